import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import whatsAppClient from "@green-api/whatsapp-api-client";
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { buildApp } from "../app.js";
import { loadConfig } from "../config.js";
import { ConsoleClient, createLinkedInstance, registerThroughConsole } from "./console-client.js";
import { freePort } from "./server-process.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** The official client's restAPI, as its users hold it. */
export type SdkApi = ReturnType<typeof whatsAppClient.restAPI>;

/** How long a test waits for something the server does in real time. */
export const SDK_WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface FileMessageData {
  downloadUrl: string;
  caption: string;
  fileName: string;
  jpegThumbnail: string;
  mimeType: string;
  forwardingScore: number;
  isForwarded: boolean;
}

/** A notification body, read loosely: each test checks the fields it cares about. */
export interface NotificationBody {
  typeWebhook: string;
  idMessage?: string;
  status?: string;
  chatId?: string;
  stateInstance?: string;
  instanceData?: { idInstance: number; wid: string; typeInstance: string };
  senderData?: { chatId: string; sender: string; chatName: string; senderName: string };
  messageData?: {
    typeMessage: string;
    textMessageData?: { textMessage: string };
    locationMessageData?: { nameLocation: string; address: string; latitude: number; longitude: number };
    contactMessageData?: { displayName: string; vcard: string };
    pollMessageData?: { name: string; options: Array<{ optionName: string }>; multipleAnswers: boolean };
    fileMessageData?: FileMessageData;
  };
}

/**
 * Reads an instance's notifications the way the SDK's own polling job does:
 * receiveNotification, then deleteNotification(receiptId). Every body read is kept in `seen`,
 * so a test can look back at what came before.
 */
export class Inbox {
  readonly seen: NotificationBody[] = [];
  constructor(
    readonly name: string,
    private readonly api: SdkApi,
  ) {}

  /** Takes one notification off the queue (null when none came within the server's 5 s default). */
  async takeOne(): Promise<NotificationBody | null> {
    const notification = (await this.api.webhookService.receiveNotification()) as { receiptId: number; body: NotificationBody } | null;
    if (notification === null) return null;
    expect(Number.isInteger(notification.receiptId)).toBe(true);
    this.seen.push(notification.body);
    expect(await this.api.webhookService.deleteNotification(notification.receiptId)).toEqual({ result: true });
    return notification.body;
  }

  /** The first notification (already seen or new) that matches; polls at most SDK_WAIT_MS. */
  async waitFor(what: string, matches: (body: NotificationBody) => boolean): Promise<NotificationBody> {
    const deadline = Date.now() + SDK_WAIT_MS;
    for (;;) {
      const found = this.seen.find(matches);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.seen.map((body) => [body.typeWebhook, body.status ?? body.messageData?.typeMessage ?? body.stateInstance]);
        throw new Error(`${this.name}: no ${what} within ${SDK_WAIT_MS} ms; saw ${JSON.stringify(seen)}`);
      }
      await this.takeOne();
    }
  }

  statusesOf(idMessage: string): string[] {
    return this.seen
      .filter((body) => body.typeWebhook === "outgoingMessageStatus" && body.idMessage === idMessage)
      .map((body) => body.status ?? "");
  }
}

/** getStateInstance allows one call a second per instance: poll just slower than that. */
export async function waitUntilAuthorized(api: SdkApi): Promise<void> {
  const deadline = Date.now() + SDK_WAIT_MS;
  for (;;) {
    const state = await api.instance.getStateInstance();
    if (state.stateInstance === "authorized") return;
    if (Date.now() > deadline) throw new Error(`still ${state.stateInstance} after ${SDK_WAIT_MS} ms`);
    await sleep(1_100);
  }
}

export interface SdkInstance {
  idInstance: number;
  apiTokenInstance: string;
  api: SdkApi;
}

export interface SdkServer {
  origin: string;
  app: FastifyInstance;
  /** Two instances of one account, each linked to a sandbox phone of its own. */
  a: SdkInstance;
  b: SdkInstance;
  close(): Promise<void>;
}

/**
 * The real app listening on a real port, with the real clock (linking settles and the send
 * queue spaces messages in real time), on the suite's database; an account registered through
 * the console and two linked instances, each with the client exactly as its README shows: a
 * string idInstance, host and media pointed at this server.
 */
export async function startSdkServer(
  label: string,
  phones: readonly [string, string],
  environment: Record<string, string> = {},
): Promise<SdkServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `switchboard-${label}-`));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const database: TestDatabase = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: "test", PUBLIC_URL: origin, DATA_DIR: dataDir, LOG_LEVEL: "warn", ...environment });
  const app = await buildApp({ config: { ...config, database: database.config }, db: database.db, logger: false, webDir: "/nonexistent" });
  await app.listen({ port, host: "127.0.0.1" });

  const consoleApi = new ConsoleClient(origin);
  await registerThroughConsole(consoleApi, label);
  const instance = async (name: string, phone: string): Promise<SdkInstance> => {
    const linked = await createLinkedInstance(consoleApi, name, phone);
    const api = whatsAppClient.restAPI({
      host: origin,
      media: origin,
      idInstance: String(linked.idInstance),
      apiTokenInstance: linked.apiTokenInstance,
    });
    return { idInstance: linked.idInstance, apiTokenInstance: linked.apiTokenInstance, api };
  };
  return {
    origin,
    app,
    a: await instance(`${label} A`, phones[0]),
    b: await instance(`${label} B`, phones[1]),
    async close() {
      await app.close();
      await database.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
