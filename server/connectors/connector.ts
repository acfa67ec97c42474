/**
 * What the messaging core needs from a messenger network, and what a network reports back.
 * The sandbox is the first implementation; a connector to a real network implements the same
 * interfaces, so the core (queues, journals, notifications) and the API above it do not change.
 * Connectors see Instance objects only: no token, no database row.
 */
import type { ConnectorKind, Instance } from "../modules/messaging/instance.js";

/**
 * The file a message carries (image, video, audio, document): a media file of this server,
 * whose bytes its link serves. Each instance that holds the message holds its own file.
 */
export interface MessageFile {
  id: string;
  fileName: string;
  mimeType: string;
  size: number;
  url: string;
}

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
  /** The file of a file message. */
  file?: MessageFile;
}

/** A vote in a poll: who chose which options, as the poll's sender sees it. */
export interface PollVote {
  /** The voter's chat, as seen from the instance that sent the poll. */
  chatId: string;
  /** The poll's idMessage. */
  idMessage: string;
  /** The vote's own id on the network. */
  voteId: string;
  voter: string;
  options: string[];
  timestamp: number;
}

/** A message's new text, as the sender's side names it. */
export interface MessageEdit {
  /** The chat as seen from the side the edit is reported to. */
  chatId: string;
  idMessage: string;
  text: string;
  editId: string;
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
  readonly kind: ConnectorKind;
  /** GREEN-API's typeInstance of this connector's instances. */
  readonly typeInstance: string;
  /** True when each instance keeps a live session (a socket) that `start` opens on its node. */
  readonly hasLiveSessions: boolean;
  /** Opens the instance's live session on this node (a real network connects; the sandbox has nothing to open). */
  start(instance: Instance): Promise<void>;
  /** Closes the instance's live session on this node, keeping what it needs to resume. */
  stop(instance: Instance): Promise<void>;
  /** A QR code to link the instance, or why there is none. */
  qr(instance: Instance): Promise<QrAnswer>;
  /** A code to type on the phone whose number is given ("link with phone number"). */
  pairingCode(instance: Instance, phoneNumber: string): Promise<string>;
  /** Unlinks the instance from its phone and ends the session. */
  logout(instance: Instance): Promise<void>;
  /** Sends one message from a linked instance. Later statuses arrive through ConnectorEvents. */
  send(instance: Instance, message: NetworkMessage): Promise<DeliveryStatus>;
  /** Whether a phone number has an account on the network. */
  hasAccount(instance: Instance, phoneNumber: string): Promise<boolean>;
  /** Changes the text of a message the instance sent; `editId` names the edit on the network. */
  edit(instance: Instance, change: MessageEdit): Promise<void>;
  /** Deletes a message the instance sent, for everyone in the chat. */
  deleteForEveryone(instance: Instance, chatId: string, idMessage: string): Promise<void>;
  /** Marks messages of a chat read (all unread ones when idMessage is left out). */
  readChat(instance: Instance, chatId: string, idMessage?: string): Promise<void>;
  /** The instance's own contacts and chats. */
  contacts(instance: Instance): Promise<Contact[]>;
  /**
   * What the network knows of a message whose send was cut short (the process died while
   * handing it over): how far it got, or undefined if it never arrived.
   */
  deliveryOf(instance: Instance, idMessage: string): Promise<DeliveryStatus | undefined>;
  /** The instance was deleted: drop what the connector keeps of it. */
  forget(instance: Instance): Promise<void>;
}

/** What a connector reports; the messaging core turns it into state, journals and notifications. */
export interface ConnectorEvents {
  linked(idInstance: number, wid: string): Promise<void>;
  unlinked(idInstance: number): Promise<void>;
  incomingMessage(idInstance: number, message: NetworkMessage): Promise<void>;
  /** A message the linked phone itself sent (not through the API). */
  outgoingFromPhone(idInstance: number, message: NetworkMessage): Promise<void>;
  statusChanged(idInstance: number, idMessage: string, status: DeliveryStatus): Promise<void>;
  /** A message of the chat was edited by its sender (another party, or the linked phone itself). */
  messageEdited(idInstance: number, edit: MessageEdit, direction: "incoming" | "outgoing"): Promise<void>;
  /** Someone voted in a poll the instance sent (`options` empty: the vote was taken back). */
  pollVoted(idInstance: number, vote: PollVote): Promise<void>;
  /** A message of the chat was deleted for everyone by its sender. */
  messageDeleted(
    idInstance: number,
    deletion: { chatId: string; idMessage: string; timestamp: number },
    direction: "incoming" | "outgoing",
  ): Promise<void>;
  /** The linked phone read a chat: answers the ids of the incoming messages that became read. */
  chatRead(idInstance: number, chatId: string, idMessage?: string): Promise<string[]>;
}

/** What a connector may ask the core about instances. */
export interface ConnectorHost {
  find(idInstance: number): Promise<Instance | undefined>;
  /** Instances linked to a phone's chat id, whatever their state. */
  listInstancesLinkedTo(wid: string): Promise<Instance[]>;
  /** The chats of an instance's journal, most recent first. */
  listChatIds(idInstance: number): Promise<string[]>;
}
