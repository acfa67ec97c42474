import type { InstanceState, WritableSettings } from "../../../shared/green-api.js";
import type { MessageFile } from "../../connectors/connector.js";

/** Which messenger connector an instance talks through. */
export const CONNECTOR_KINDS = ["sandbox"] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/**
 * An instance as every layer above the repositories sees it. It carries no token, token hash
 * or sealed token: only the messaging service compares and reveals tokens.
 */
export interface Instance {
  readonly idInstance: number;
  /** The account that owns it. */
  readonly userId: string;
  readonly name: string;
  readonly state: InstanceState;
  /** The linked phone's chat id, "" when not linked. */
  readonly wid: string;
  readonly settings: Readonly<WritableSettings>;
  readonly connector: ConnectorKind;
  /** While "starting": when the instance returns to its settled state. */
  readonly stateSettlesAt: number | null;
  /** An operator disabled the owner's account: the API answers 403. */
  readonly isOwnerDisabled: boolean;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface StateChange {
  state: InstanceState;
  /** The phone number, "" when not linked. */
  phone: string;
  occurredAt: number;
}

/** One message of an instance's journal (and, while "queued", of its send queue). */
export interface StoredMessage {
  idMessage: string;
  direction: "incoming" | "outgoing";
  chatId: string;
  senderId: string;
  senderName: string;
  typeMessage: string;
  /** The type's journal fields, e.g. { textMessage } or { location: {…} }. */
  journal: Record<string, unknown>;
  /** The type's notification fields: { typeMessage, textMessageData: {…} }… */
  messageData: Record<string, unknown>;
  /** queued | pending | sent | delivered | read | noAccount | failed, or "" for incoming. */
  status: string;
  sendByApi: boolean;
  /** The API method that queued it (sendMessage…), and its request, for showMessagesQueue. */
  sendMethod: string | null;
  request: unknown;
  createdAt: number;
  /** The file of a file message, this instance's own copy. */
  file?: MessageFile;
}

/** A message to queue for sending: what the API method decided. */
export interface OutgoingMessage {
  chatId: string;
  typeMessage: string;
  journal: Record<string, unknown>;
  messageData: Record<string, unknown>;
  /** The API method and its request, kept for showMessagesQueue. */
  sendMethod: string;
  request: unknown;
  file?: MessageFile;
}

export interface Notification {
  receiptId: number;
  body: Record<string, unknown>;
}
