import type { MethodHandler } from "../method-context.js";

/** clearWebhooksQueue may run once a minute per instance (GREEN-API answers in the body, not with 429). */
const CLEAR_WEBHOOKS_EVERY_MS = 60_000;

export const queueMethods: Record<string, MethodHandler> = {
  showMessagesQueue: async ({ instance }, { journal }) => {
    const queued = await journal.listQueued(Number(instance.id_instance));
    return queued.map((row) => {
      const body = row.request ? (JSON.parse(row.request) as Record<string, unknown>) : {};
      return row.send_method === "ForwardMessages"
        ? { messagesIDs: [row.id_message], type: "ForwardMessages", body }
        : { messageID: row.id_message, type: row.send_method ?? "sendMessage", body };
    });
  },

  clearMessagesQueue: async ({ instance }, { journal }) => {
    await journal.clearQueue(Number(instance.id_instance));
    return { isCleared: true };
  },

  getMessagesCount: async ({ instance }, { journal }) => ({ count: await journal.countQueued(Number(instance.id_instance)) }),

  getWebhooksCount: async ({ instance }, { notifications }) => ({
    count: await notifications.count(Number(instance.id_instance)),
  }),

  clearWebhooksQueue: async ({ instance }, { notifications }) => {
    const waitMs = await notifications.clearAtMostEvery(Number(instance.id_instance), CLEAR_WEBHOOKS_EVERY_MS);
    return waitMs === 0
      ? { isCleared: true, reason: "" }
      : { isCleared: false, reason: "Too many requests", leftTime: Math.ceil(waitMs / 1000) };
  },
};
