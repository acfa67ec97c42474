import fs from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { FastifyBaseLogger } from "fastify";
import { createId } from "../security/tokens.js";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

interface MailerSettings {
  smtpUrl?: string | undefined;
  outboxDir: string;
  from: string;
}

/** SMTP when SMTP_URL is set; otherwise each mail becomes an .eml file in the outbox folder. */
export function createMailer(settings: MailerSettings, log: FastifyBaseLogger): Mailer {
  return settings.smtpUrl ? smtpMailer(settings.smtpUrl, settings.from) : outboxMailer(settings.outboxDir, settings.from, log);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  // Every wait is bounded well inside the mail job's one-minute lease: a slow server fails the
  // attempt (retried later) rather than outliving the lease and being sent twice.
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 20_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    async close() {
      transport.close();
    },
  };
}

function outboxMailer(outboxDir: string, from: string, log: FastifyBaseLogger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      await fs.mkdir(outboxDir, { recursive: true });
      const fileName = `${new Date().toISOString().replace(/[:.]/g, "-")}-${createId().slice(0, 8)}.eml`;
      const file = path.join(outboxDir, fileName);
      // Written beside and renamed, so that a reader never sees half a mail.
      await fs.writeFile(`${file}.part`, info.message as Buffer, { mode: 0o600 });
      await fs.rename(`${file}.part`, file);
      log.info({ file }, "mail written to the outbox");
    },
    async close() {},
  };
}
