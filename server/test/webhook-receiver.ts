import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

/** What the receiver answers a request with; it may wait first (a slow or hanging endpoint). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** "ok" unless given. */
  body?: string | Buffer;
  /** The body never ends: 16 KiB chunks keep coming until the client hangs up. */
  isEndless?: boolean;
}
export type Responder = (request: ReceivedWebhook) => Answer | Promise<Answer>;

/** A real HTTP endpoint on loopback that records every webhook request it gets. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: Responder = () => ({ status: 200 });
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const received = { path: request.url ?? "/", headers: request.headers, bodyText: Buffer.concat(chunks).toString("utf8") };
        this.received.push(received);
        void Promise.resolve(this.respond(received)).then(
          (answer) => {
            response.writeHead(answer.status, answer.headers ?? {});
            if (!answer.isEndless) return void response.end(answer.body ?? "ok");
            const chunk = Buffer.alloc(16 * 1024, "x");
            const pump = setInterval(() => response.write(chunk), 5);
            response.once("close", () => clearInterval(pump));
          },
          () => response.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The requests to one path (one instance's webhookUrl), their bodies parsed. */
  to(path: string): Array<ReceivedWebhook & { body: Record<string, unknown> }> {
    return this.received.filter((request) => request.path === path).map((request) => ({ ...request, body: JSON.parse(request.bodyText) }));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
