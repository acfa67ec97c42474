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
