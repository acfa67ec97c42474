/**
 * What the API layer needs from a messenger network. The sandbox is the first
 * implementation; a connector to a real network implements the same interface
 * and reports what happens through ConnectorEvents, so the API layer (queues,
 * journals, notifications) does not change.
 */
import type { InstanceRow } from "../modules/instances/instances.repository.js";

/** One message as it crosses the network, in GREEN-API's journal terms. */
export interface NetworkMessage {
  idMessage: string;
  /** The conversation as seen from the instance: the other party's chat id. */
  chatId: string;
  /** Who wrote it. */
  senderId: string;
  senderName: string;
  typeMessage: string;
  /** The type's journal fields, e.g. { textMessage } or { location: {…} }. */
  journal: Record<string, unknown>;
  /** The type's notification fields: { typeMessage, textMessageData: {…} }… */
  messageData: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export type DeliveryStatus = "sent" | "delivered" | "read" | "noAccount" | "failed";

export interface QrAnswer {
  type: "qrCode" | "alreadyLogged" | "error";
  message: string;
  link?: string;
  expiresInMs?: number;
}

export interface Contact {
  id: string;
  name: string;
  contactName: string;
  type: "user" | "group";
}

export interface MessengerConnector {
  /** A QR code to link the instance, or why there is none. */
  qr(instance: InstanceRow): Promise<QrAnswer>;
  /** A code to type on the phone whose number is given ("link with phone number"). */
  pairingCode(instance: InstanceRow, phoneNumber: string): Promise<string>;
  /** Unlinks the instance from its phone. */
  logout(instance: InstanceRow): Promise<void>;
  /** Sends one message from a linked instance. Later statuses arrive through ConnectorEvents. */
  send(instance: InstanceRow, message: NetworkMessage): Promise<DeliveryStatus>;
  /** Whether a phone number has an account on the network. */
  hasAccount(phoneNumber: string): Promise<boolean>;
  /** Marks messages of a chat read (all unread ones when idMessage is left out). */
  readChat(instance: InstanceRow, chatId: string, idMessage?: string): Promise<void>;
  contacts(instance: InstanceRow): Promise<Contact[]>;
  /**
   * What the network knows of a message whose send was cut short (the process died while
   * handing it over): how far it got, or undefined if it never arrived.
   */
  deliveryOf(instance: InstanceRow, idMessage: string): Promise<DeliveryStatus | undefined>;
}

/** What a connector reports; the API layer turns it into state, journals and notifications. */
export interface ConnectorEvents {
  linked(idInstance: number, wid: string): Promise<void>;
  unlinked(idInstance: number): Promise<void>;
  incomingMessage(idInstance: number, message: NetworkMessage): Promise<void>;
  /** A message the linked phone itself sent (not through the API). */
  outgoingFromPhone(idInstance: number, message: NetworkMessage): Promise<void>;
  statusChanged(idInstance: number, idMessage: string, status: DeliveryStatus): Promise<void>;
}
