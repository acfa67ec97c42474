/**
 * Facts of the GREEN-API-compatible API that the console shows too: instance
 * states and the settings object, with the same names and value types.
 */
export const INSTANCE_STATES = ["notAuthorized", "starting", "authorized", "blocked", "sleepMode", "yellowCard"] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** Settings whose values are the strings "yes" / "no". */
export const YES_NO_SETTINGS = [
  "markIncomingMessagesReaded",
  "markIncomingMessagesReadedOnReply",
  "outgoingWebhook",
  "outgoingMessageWebhook",
  "outgoingAPIMessageWebhook",
  "incomingWebhook",
  "deviceWebhook",
  "stateWebhook",
  "enableMessagesHistory",
  "keepOnlineStatus",
  "pollMessageWebhook",
  "incomingBlockWebhook",
  "incomingCallWebhook",
  "editedMessageWebhook",
  "deletedMessageWebhook",
] as const;
export type YesNoSetting = (typeof YES_NO_SETTINGS)[number];
export type YesNo = "yes" | "no";

/** What setSettings accepts (every field optional, at least one). */
export interface WritableSettings {
  webhookUrl: string;
  webhookUrlToken: string;
  delaySendMessagesMilliseconds: number;
  markIncomingMessagesReaded: YesNo;
  markIncomingMessagesReadedOnReply: YesNo;
  outgoingWebhook: YesNo;
  outgoingMessageWebhook: YesNo;
  outgoingAPIMessageWebhook: YesNo;
  incomingWebhook: YesNo;
  deviceWebhook: YesNo;
  stateWebhook: YesNo;
  enableMessagesHistory: YesNo;
  keepOnlineStatus: YesNo;
  pollMessageWebhook: YesNo;
  incomingBlockWebhook: YesNo;
  incomingCallWebhook: YesNo;
  editedMessageWebhook: YesNo;
  deletedMessageWebhook: YesNo;
}

/** What getSettings answers: the writable fields plus read-only and legacy ones. */
export interface InstanceSettings extends WritableSettings {
  wid: string;
  countryInstance: string;
  typeAccount: string;
  sharedSession: YesNo;
  proxyInstance: string;
  statusInstanceWebhook: YesNo;
}

/** After creation every notification is off, as GREEN-API does. */
export const DEFAULT_SETTINGS: WritableSettings = {
  webhookUrl: "",
  webhookUrlToken: "",
  delaySendMessagesMilliseconds: 500,
  ...(Object.fromEntries(YES_NO_SETTINGS.map((name) => [name, "no"])) as Record<YesNoSetting, YesNo>),
};

/** GREEN-API's documented floor for the spacing of the send queue. */
export const MIN_SEND_DELAY_MS = 500;
export const MAX_SEND_DELAY_MS = 86_400_000;
