import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

/** A real SMTP server on a loopback port that keeps what it receives. */
export class SmtpCapture {
  readonly mails: CapturedMail[] = [];
  private waiters: Array<() => void> = [];
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.mails.push({
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              parsed,
            });
            for (const wake of this.waiters.splice(0)) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.server.address();
    if (!address || typeof address === "string") throw new Error("SMTP capture has no port");
    this.port = address.port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  mailsTo(address: string): CapturedMail[] {
    return this.mails.filter((mail) => mail.to.includes(address));
  }

  /** Waits for the count-th mail to an address (1 = the first). */
  async waitForMail(address: string, count = 1, timeoutMs = 10_000): Promise<CapturedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.mailsTo(address).length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no mail number ${count} to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.mailsTo(address)[count - 1]!;
  }
}

/** The temporary password as a person would copy it out of a mail. */
export function temporaryPasswordIn(mail: CapturedMail): string {
  const match = /^\s{4}([0-9A-Z]{20})$/m.exec(mail.text);
  if (!match?.[1]) throw new Error("no temporary password in the mail");
  return match[1];
}
