import type { MethodHandler } from "../method-context.js";

/** clearWebhooksQueue may run once a minute per instance (GREEN-API answers in the body, not with 429). */
const CLEAR_WEBHOOKS_EVERY_MS = 60_000;

export const queueMethods: Record<string, MethodHandler> = {
  showMessagesQueue: async ({ instance }, { messaging }) => {
    const queued = await messaging.listQueued(instance);
    return queued.map((message) =>
      message.sendMethod === "ForwardMessages"
        ? { messagesIDs: [message.idMessage], type: "ForwardMessages", body: message.request }
        : { messageID: message.idMessage, type: message.sendMethod ?? "sendMessage", body: message.request },
    );
  },

  clearMessagesQueue: async ({ instance }, { messaging }) => {
    await messaging.clearQueue(instance);
    return { isCleared: true };
  },

  getMessagesCount: async ({ instance }, { messaging }) => ({ count: await messaging.countQueued(instance) }),

  getWebhooksCount: async ({ instance }, { messaging }) => ({
    count: await messaging.countNotifications(instance),
  }),

  clearWebhooksQueue: async ({ instance }, { messaging }) => {
    const waitMs = await messaging.clearNotificationsAtMostEvery(instance, CLEAR_WEBHOOKS_EVERY_MS);
    return waitMs === 0
      ? { isCleared: true, reason: "" }
      : { isCleared: false, reason: "Too many requests", leftTime: Math.ceil(waitMs / 1000) };
  },
};
