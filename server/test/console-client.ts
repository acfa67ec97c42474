/**
 * The console and sandbox routes over real HTTP, as the browser calls them: the session
 * cookie it was given and the console's Origin. For tests against a running server.
 */
export class ConsoleClient {
  private cookie = "";
  constructor(private readonly origin: string) {}

  async call(method: "GET" | "POST", route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.origin}${route}`, {
      method,
      headers: {
        origin: this.origin,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(method === "POST" ? { "content-type": "application/json" } : {}),
      },
      ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
    });
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith("switchboard_session="));
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** The answer's JSON, or an error naming the route when the status is not the one expected. */
  async expect<T>(method: "GET" | "POST", route: string, status: number, body?: unknown): Promise<T> {
    const answer = await this.call(method, route, body);
    if (answer.status !== status)
      throw new Error(`${method} ${route}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json as T;
  }

  /** The same session against a server on another origin (a restart on a new port). */
  moveTo(origin: string): ConsoleClient {
    const moved = new ConsoleClient(origin);
    moved.cookie = this.cookie;
    return moved;
  }
}

/** Creates an instance and links it to a new sandbox phone through the console, as a person does; answers its credentials. */
export async function createLinkedInstance(
  consoleApi: ConsoleClient,
  name: string,
  phone: string,
): Promise<{ idInstance: number; apiTokenInstance: string }> {
  const { instance } = await consoleApi.expect<{ instance: { idInstance: number } }>("POST", "/api/console/instances", 201, { name });
  const { apiTokenInstance } = await consoleApi.expect<{ apiTokenInstance: string }>(
    "GET",
    `/api/console/instances/${instance.idInstance}/token`,
    200,
  );
  const qr = await consoleApi.expect<{ type: string; link: string }>("GET", `/api/console/instances/${instance.idInstance}/qr`, 200);
  if (qr.type !== "qrCode") throw new Error(`expected a QR code, got ${qr.type}`);
  const code = new URL(qr.link).searchParams.get("link");
  if (!code) throw new Error(`no link code in ${qr.link}`);
  await consoleApi.expect("POST", "/api/sandbox/phones", 200, { number: phone });
  await consoleApi.expect("POST", `/api/sandbox/phones/${phone}/link`, 200, { code });
  return { idInstance: instance.idInstance, apiTokenInstance };
}

/** Registers a new person (an email made from `label`) and keeps the session in `consoleApi`. */
export async function registerThroughConsole(consoleApi: ConsoleClient, label: string): Promise<void> {
  await consoleApi.expect("POST", "/api/console/registration", 201, {
    email: `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`,
    password: "violet-lantern-82-orbit",
    passwordRepeat: "violet-lantern-82-orbit",
    country: "DE",
    agreementAccepted: true,
    language: "en",
  });
}
