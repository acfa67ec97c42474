import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { STARTING_MS } from "../modules/messaging/instance-lifecycle.js";
import type { Client, TestApp } from "./build-test-app.js";

export interface TestInstance {
  idInstance: number;
  token: string;
}

/** Creates an instance through the console, as a person would, and reads its token. */
export async function createInstance(client: Client, name = "Test instance"): Promise<TestInstance> {
  const created = await client.post("/api/console/instances", { name });
  if (created.statusCode !== 201) throw new Error(`create instance: ${created.statusCode} ${created.body}`);
  const idInstance = created.json().instance.idInstance as number;
  const token = (await client.get(`/api/console/instances/${idInstance}/token`)).json().apiTokenInstance as string;
  return { idInstance, token };
}

export interface ApiCallOptions {
  body?: unknown;
  /** Bytes sent as they are (uploadFile, multipart forms), with the headers given. */
  payload?: Buffer;
  query?: string;
  receiptId?: string | number;
  token?: string;
  headers?: Record<string, string>;
}

/** Calls the compatible API as an SDK does: /waInstance{id}/{method}/{token}. */
export function callApi(
  app: FastifyInstance,
  instance: TestInstance,
  verb: "GET" | "POST" | "DELETE" | "PUT" | "OPTIONS",
  method: string,
  options: ApiCallOptions = {},
): Promise<LightMyRequestResponse> {
  const receipt = options.receiptId !== undefined ? `/${options.receiptId}` : "";
  const query = options.query ? `?${options.query}` : "";
  return app.inject({
    method: verb,
    url: `/waInstance${instance.idInstance}/${method}/${options.token ?? instance.token}${receipt}${query}`,
    headers: { ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
    ...(options.body !== undefined ? { payload: typeof options.body === "string" ? options.body : JSON.stringify(options.body) } : {}),
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
  });
}

export interface FormFile {
  name: string;
  type: string;
  bytes: Buffer;
}

/** A multipart/form-data body as browsers and SDKs send it: the fields, then the file part named `file`. */
export async function formBody(
  fields: Record<string, string>,
  file?: FormFile,
  fileField = "file",
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append(fileField, new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const encoded = new Response(form);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { "content-type": encoded.headers.get("content-type") ?? "" },
  };
}

/** Ends every "starting" phase now, as if its time had passed. */
export async function settle(harness: TestApp): Promise<void> {
  harness.clock.advance(STARTING_MS);
  await harness.app.messaging.settle();
}

/** Opens a sandbox phone and links the instance to it through the QR link, as the console shows it. */
export async function linkToPhone(harness: TestApp, client: Client, instance: TestInstance, phone: string): Promise<void> {
  await client.post("/api/sandbox/phones", { number: phone });
  const qr = (await client.get(`/api/console/instances/${instance.idInstance}/qr`)).json();
  const code = new URL(qr.link as string).searchParams.get("link");
  const linked = await client.post(`/api/sandbox/phones/${phone}/link`, { code });
  if (linked.statusCode !== 200) throw new Error(`link: ${linked.statusCode} ${linked.body}`);
  await settle(harness);
}

/** Lets every due send leave the queue, moving time past the queue's spacing. */
export async function flushSends(harness: TestApp, rounds = 1): Promise<void> {
  await harness.app.messaging.drainWrites();
  for (let round = 0; round < rounds; round++) {
    harness.clock.advance(500);
    await harness.app.messaging.runSendsOnce();
  }
}

/** Reads and deletes every notification waiting now. */
export async function drainNotifications(app: FastifyInstance, instance: TestInstance): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (;;) {
    const head = await callApi(app, instance, "GET", "getWebhooksCount");
    if (head.json().count === 0) return bodies;
    const received = (await callApi(app, instance, "GET", "receiveNotification")).json();
    bodies.push(received.body);
    await callApi(app, instance, "DELETE", "deleteNotification", { receiptId: received.receiptId });
  }
}

export const ALL_NOTIFICATIONS = {
  incomingWebhook: "yes",
  outgoingWebhook: "yes",
  outgoingMessageWebhook: "yes",
  outgoingAPIMessageWebhook: "yes",
  stateWebhook: "yes",
  pollMessageWebhook: "yes",
  editedMessageWebhook: "yes",
  deletedMessageWebhook: "yes",
} as const;

/**
 * An authorized instance linked to a new sandbox phone, with the given settings, its
 * notification queue emptied.
 */
export async function createLinkedTestInstance(
  harness: TestApp,
  client: Client,
  phone: string,
  settings: Record<string, unknown> = ALL_NOTIFICATIONS,
): Promise<TestInstance & { phone: string }> {
  const instance = await createInstance(client);
  await linkToPhone(harness, client, instance, phone);
  await callApi(harness.app, instance, "POST", "setSettings", { body: settings });
  await settle(harness);
  await drainNotifications(harness.app, instance);
  return { ...instance, phone };
}
