import { randomBytes, randomInt } from "node:crypto";
import QRCode from "qrcode";
import type { Clock } from "../../clock.js";
import { chatIdOf, createPhoneMessageId, phoneOf } from "../../modules/messaging/ids.js";
import type { Instance } from "../../modules/messaging/instance.js";
import { createSortableId } from "../../security/tokens.js";
import type {
  ConnectorEvents,
  ConnectorHost,
  Contact,
  DeliveryStatus,
  MessengerConnector,
  NetworkMessage,
  QrAnswer,
} from "../connector.js";
import type { SandboxMessageRow, SandboxRepository } from "./sandbox.repository.js";
import type { AccountDataOwner } from "../../modules/accounts/accounts.service.js";
import { fileMessageContent } from "../../modules/messaging/file-message.js";
import type { MessageEdit, MessageFile } from "../connector.js";

/** A poll as the API sent it. */
interface PollData {
  name: string;
  options: Array<{ optionName: string }>;
  multipleAnswers: boolean;
}

/** What the chat list shows of a message deleted for everyone. */
const DELETED_TEXT = "🚫";

/** A QR code is replaced this often, as WhatsApp's are. */
export const QR_LIFETIME_MS = 20_000;
/** A pairing code stays valid about two and a half minutes. */
export const PAIRING_CODE_LIFETIME_MS = 150_000;
const PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTVWXYZ23456789";

export class SandboxLinkError extends Error {}

/** A button of any of GREEN-API's kinds: its own text, or a template button's display text. */
interface ButtonLike {
  buttonText?: string;
  urlButton?: { displayText?: string };
  callButton?: { displayText?: string };
  quickReplyButton?: { displayText?: string };
}

function labelOf(button: ButtonLike): string {
  return button.buttonText ?? button.urlButton?.displayText ?? button.callButton?.displayText ?? button.quickReplyButton?.displayText ?? "";
}

/** What a sandbox phone's screen shows for a message. */
export function displayText(message: Pick<NetworkMessage, "typeMessage" | "journal">): string {
  const journal = message.journal as Record<string, Record<string, unknown> | string | undefined>;
  switch (message.typeMessage) {
    case "locationMessage": {
      const location = journal.location as Record<string, unknown> | undefined;
      return `📍 ${[location?.nameLocation, location?.address].filter(Boolean).join(", ") || `${String(location?.latitude)}, ${String(location?.longitude)}`}`;
    }
    case "contactMessage":
      return `👤 ${String((journal.contact as Record<string, unknown> | undefined)?.displayName ?? "")}`;
    case "pollMessage": {
      const poll = journal.pollMessageData as { name?: string; options?: Array<{ optionName: string }> } | undefined;
      return `📊 ${poll?.name ?? ""} — ${(poll?.options ?? []).map((option) => option.optionName).join(" / ")}`;
    }
    case "interactiveButtons":
    case "interactiveButtonsReply":
    case "buttonsMessage":
    case "templateMessage": {
      // Phones show the text and the buttons' labels: WhatsApp no longer renders most of these.
      const data = journal[message.typeMessage] as { contentText?: string; buttons?: ButtonLike[] } | undefined;
      const labels = (data?.buttons ?? []).map(labelOf).filter(Boolean);
      return `🔘 ${data?.contentText ?? ""}${labels.length > 0 ? ` — ${labels.map((label) => `[${label}]`).join(" ")}` : ""}`;
    }
    case "listMessage": {
      const list = journal.listMessage as { contentText?: string; buttonText?: string } | undefined;
      return `📋 ${list?.contentText ?? ""} — [${list?.buttonText ?? ""}]`;
    }
    case "imageMessage":
    case "videoMessage":
    case "audioMessage":
    case "documentMessage": {
      const icon = { imageMessage: "📷", videoMessage: "🎥", audioMessage: "🎵", documentMessage: "📄" }[message.typeMessage];
      // What a chat list shows: the caption when there is one, else the file's name.
      return `${icon} ${typeof journal.caption === "string" && journal.caption ? journal.caption : String(journal.fileName ?? "")}`;
    }
    default:
      return typeof journal.textMessage === "string" ? journal.textMessage : "";
  }
}

/**
 * The built-in messenger network: sandbox phones and the instances linked to
 * them message each other inside this server. A number has an account when a
 * sandbox phone was opened for it or an instance is linked to it.
 */
export class SandboxNetwork implements MessengerConnector, AccountDataOwner {
  constructor(
    private readonly deps: {
      sandbox: SandboxRepository;
      host: ConnectorHost;
      events: ConnectorEvents;
      clock: Clock;
      publicUrl: string;
    },
  ) {}

  readonly kind = "sandbox" as const;
  /** Sandbox instances behave as WhatsApp instances do, so SDKs see the type they know. */
  readonly typeInstance = "whatsapp";
  readonly hasLiveSessions = false;

  /** The network lives in this server: there is no session to open or close. */
  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async forget(instance: Instance): Promise<void> {
    await this.deps.sandbox.clearCodes(instance.idInstance);
  }

  async qr(instance: Instance): Promise<QrAnswer> {
    if (instance.state === "authorized") return { type: "alreadyLogged", message: "instance account already authorized" };
    if (instance.state === "starting") return { type: "error", message: "instance in starting process try later" };
    const now = this.deps.clock.now();
    const shown = await this.deps.sandbox.findCodes(instance.idInstance);
    let code = shown?.link_code ?? null;
    let expiresAt = shown?.link_code_expires_at ?? 0;
    if (!code || expiresAt <= now) {
      code = randomBytes(18).toString("base64url");
      expiresAt = now + QR_LIFETIME_MS;
      await this.deps.sandbox.setLinkCode(instance.idInstance, code, expiresAt);
    }
    const link = `${this.deps.publicUrl}/sandbox?link=${code}`;
    const png = await QRCode.toBuffer(link, { type: "png", margin: 1, width: 264, errorCorrectionLevel: "M" });
    return { type: "qrCode", message: png.toString("base64"), link, expiresInMs: expiresAt - now };
  }

  async pairingCode(instance: Instance, phoneNumber: string): Promise<string> {
    let code = "";
    for (let index = 0; index < 8; index++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
    await this.deps.sandbox.setPairingCode(instance.idInstance, code, phoneNumber, this.deps.clock.now() + PAIRING_CODE_LIFETIME_MS);
    return code;
  }

  async logout(instance: Instance): Promise<void> {
    await this.deps.events.unlinked(instance.idInstance);
  }

  async hasAccount(_instance: Instance, phoneNumber: string): Promise<boolean> {
    return this.numberHasAccount(phoneNumber);
  }

  private async numberHasAccount(phoneNumber: string): Promise<boolean> {
    if (await this.deps.sandbox.hasPhone(phoneNumber)) return true;
    return (await this.deps.host.listInstancesLinkedTo(chatIdOf(phoneNumber))).length > 0;
  }

  async send(instance: Instance, message: NetworkMessage): Promise<DeliveryStatus> {
    return this.deliver(phoneOf(instance.wid), message, instance.idInstance);
  }

  async edit(instance: Instance, change: MessageEdit): Promise<void> {
    await this.deps.sandbox.editCopies(change.idMessage, change.text);
    await this.tellOthers(phoneOf(instance.wid), change.chatId, instance.idInstance, (idInstance, chatId, direction) =>
      this.deps.events.messageEdited(idInstance, { ...change, chatId }, direction),
    );
  }

  async deleteForEveryone(instance: Instance, chatId: string, idMessage: string): Promise<void> {
    await this.deps.sandbox.deleteCopies(idMessage, DELETED_TEXT);
    const timestamp = this.deps.clock.now();
    await this.tellOthers(phoneOf(instance.wid), chatId, instance.idInstance, (idInstance, seenChatId, direction) =>
      this.deps.events.messageDeleted(idInstance, { chatId: seenChatId, idMessage, timestamp }, direction),
    );
  }

  /**
   * Tells the instances that hold a message what its sender changed: those linked to the
   * recipient's number (their chat is the sender's), and the sender's other linked instances
   * (their chat is the recipient's); never the instance that made the change.
   */
  private async tellOthers(
    fromNumber: string,
    chatId: string,
    byInstance: number | undefined,
    tell: (idInstance: number, chatId: string, direction: "incoming" | "outgoing") => Promise<void>,
  ): Promise<void> {
    if (!chatId.endsWith("@c.us")) return;
    for (const instance of await this.linkedInstances(phoneOf(chatId))) {
      if (instance.idInstance !== byInstance) await tell(instance.idInstance, chatIdOf(fromNumber), "incoming");
    }
    for (const instance of await this.linkedInstances(fromNumber)) {
      if (instance.idInstance !== byInstance) await tell(instance.idInstance, chatId, "outgoing");
    }
  }

  async readChat(instance: Instance, chatId: string, idMessage?: string): Promise<void> {
    await this.markRead(phoneOf(instance.wid), phoneOf(chatId), idMessage);
  }

  /**
   * The instance's own contacts only: whom it has exchanged messages with, and the chats of
   * its linked sandbox phone. Other people's numbers on this server are none of its business.
   */
  async contacts(instance: Instance): Promise<Contact[]> {
    const own = phoneOf(instance.wid);
    const chats = await this.deps.host.listChatIds(instance.idInstance);
    const numbers = new Set(chats.filter((chatId) => chatId.endsWith("@c.us")).map((chatId) => phoneOf(chatId)));
    for (const peer of await this.deps.sandbox.listPeers(own)) numbers.add(peer);
    numbers.delete(own);
    return [...numbers].sort().map((number) => ({ id: chatIdOf(number), name: `+${number}`, contactName: "", type: "user" as const }));
  }

  async deliveryOf(instance: Instance, idMessage: string): Promise<DeliveryStatus | undefined> {
    const copies = await this.deps.sandbox.listCopies(idMessage);
    const senderCopy = copies.find((copy) => copy.from_me === 1 && copy.phone_number === phoneOf(instance.wid));
    if (!senderCopy?.status) return copies.some((copy) => copy.from_me === 0) ? "delivered" : undefined;
    // Delivered to a phone means the phone has it; an instance-only recipient leaves the sender's word.
    const reachedPhone = copies.some((copy) => copy.from_me === 0 && copy.phone_number === senderCopy.peer_number);
    const isClaimed = senderCopy.status === "delivered" || senderCopy.status === "read";
    if (isClaimed && !reachedPhone && (await this.deps.sandbox.hasPhone(senderCopy.peer_number))) return undefined;
    return senderCopy.status as DeliveryStatus;
  }

  readonly exportKey = "sandboxPhones";

  /** With the account: its phones go, and the instances linked to them are unlinked. */
  async deleteAccountData(userId: string): Promise<void> {
    for (const phone of await this.deps.sandbox.listPhonesOf(userId)) {
      for (const instance of await this.linkedInstances(phone.number)) await this.deps.events.unlinked(instance.idInstance);
      await this.deps.sandbox.deletePhone(phone.number);
    }
  }

  async exportAccountData(userId: string): Promise<unknown> {
    return (await this.deps.sandbox.listPhonesOf(userId)).map((phone) => ({
      number: phone.number,
      openedAt: new Date(phone.created_at).toISOString(),
    }));
  }

  /** A sandbox phone links an instance with the code of its QR link or a pairing code typed by hand. */
  async link(phoneNumber: string, code: string): Promise<Instance> {
    // The caller has opened the phone (the routes check its owner).
    const now = this.deps.clock.now();
    const idInstance =
      (await this.deps.sandbox.findByLinkCode(code, now)) ??
      (await this.deps.sandbox.findByPairingCode(code.toUpperCase().replace(/[\s-]/g, ""), phoneNumber, now));
    const instance = idInstance === undefined ? undefined : await this.deps.host.find(idInstance);
    if (!instance || instance.connector !== this.kind || instance.state === "authorized") {
      throw new SandboxLinkError("unknown or expired code");
    }
    await this.deps.sandbox.clearCodes(instance.idInstance);
    await this.deps.events.linked(instance.idInstance, chatIdOf(phoneNumber));
    return instance;
  }

  async unlink(phoneNumber: string, idInstance: number): Promise<void> {
    const instance = await this.deps.host.find(idInstance);
    if (instance && instance.wid === chatIdOf(phoneNumber)) await this.deps.events.unlinked(idInstance);
  }

  /** The sandbox instances linked to a phone. */
  async linkedInstances(phoneNumber: string): Promise<Instance[]> {
    return (await this.deps.host.listInstancesLinkedTo(chatIdOf(phoneNumber))).filter((instance) => instance.connector === this.kind);
  }

  /** A person types a message on a sandbox phone, or sends a file (already stored) with a caption. */
  async sendFromPhone(
    phoneNumber: string,
    chatId: string,
    content: { text: string } | { file: MessageFile; caption: string },
  ): Promise<{ idMessage: string; typeMessage: string; status: DeliveryStatus }> {
    const message: NetworkMessage = {
      idMessage: createPhoneMessageId(),
      chatId,
      senderId: chatIdOf(phoneNumber),
      senderName: `+${phoneNumber}`,
      ...("file" in content
        ? fileMessageContent(content.file, content.caption)
        : {
            typeMessage: "textMessage",
            journal: { textMessage: content.text },
            messageData: { typeMessage: "textMessage", textMessageData: { textMessage: content.text } },
          }),
      timestamp: this.deps.clock.now(),
    };
    for (const instance of await this.linkedInstances(phoneNumber)) {
      await this.deps.events.outgoingFromPhone(instance.idInstance, message);
    }
    const status = await this.deliver(phoneNumber, message);
    return { idMessage: message.idMessage, typeMessage: message.typeMessage, status };
  }

  /**
   * A person votes in a poll their phone received (no option: the vote taken back). Answers
   * why not when the phone has no such poll or the choice does not fit it.
   */
  async voteFromPhone(
    phoneNumber: string,
    peerNumber: string,
    idMessage: string,
    options: string[],
  ): Promise<"voted" | "no-poll" | "bad-choice"> {
    const received = await this.deps.sandbox.findReceived(phoneNumber, peerNumber, idMessage);
    const poll =
      received?.poll && !received.is_deleted ? (JSON.parse(received.poll) as { options: string[]; multipleAnswers: boolean }) : undefined;
    if (!poll) return "no-poll";
    const chosen = [...new Set(options)];
    if (chosen.some((option) => !poll.options.includes(option)) || (!poll.multipleAnswers && chosen.length > 1)) return "bad-choice";
    await this.deps.sandbox.setMyVote(phoneNumber, idMessage, chosen);
    const vote = {
      idMessage,
      voteId: createPhoneMessageId(),
      voter: chatIdOf(phoneNumber),
      options: chosen,
      timestamp: this.deps.clock.now(),
    };
    for (const instance of await this.linkedInstances(peerNumber)) {
      await this.deps.events.pollVoted(instance.idInstance, { ...vote, chatId: chatIdOf(phoneNumber) });
    }
    return "voted";
  }

  /** A person opens a chat on a sandbox phone: what they received is now read. */
  async readOnPhone(phoneNumber: string, peerNumber: string): Promise<void> {
    await this.markRead(phoneNumber, peerNumber);
  }

  private async deliver(fromNumber: string, message: NetworkMessage, viaInstance?: number): Promise<DeliveryStatus> {
    // The sandbox has people only: groups and hidden ids reach nobody.
    if (!message.chatId.endsWith("@c.us")) return "noAccount";
    const toNumber = phoneOf(message.chatId);
    // A message to one's own number stays "sent", as on WhatsApp.
    if (toNumber === fromNumber) return "sent";
    const exists = await this.numberHasAccount(toNumber);
    const status: DeliveryStatus = exists ? "delivered" : "noAccount";
    const text = displayText(message);
    // Phones show a file by the sender's link: it works without a session, like the API's.
    const caption = typeof message.journal.caption === "string" ? message.journal.caption : "";
    const file = message.file
      ? JSON.stringify({
          url: message.file.url,
          fileName: message.file.fileName,
          mimeType: message.file.mimeType,
          size: message.file.size,
          caption,
        })
      : null;
    const pollData = message.typeMessage === "pollMessage" ? (message.journal.pollMessageData as PollData | undefined) : undefined;
    const poll = pollData
      ? JSON.stringify({ options: pollData.options.map((option) => option.optionName), multipleAnswers: pollData.multipleAnswers })
      : null;
    // The sender's copy and the recipient's differ only in whose they are.
    const copy = (phone: string, peer: string, fromMe: boolean): SandboxMessageRow => ({
      id: createSortableId(message.timestamp),
      phone_number: phone,
      peer_number: peer,
      id_message: message.idMessage,
      from_me: fromMe ? 1 : 0,
      type_message: message.typeMessage,
      text,
      status: fromMe ? status : null,
      is_read: fromMe ? 1 : 0,
      created_at: message.timestamp,
      file,
      is_edited: 0,
      is_deleted: 0,
      poll,
      my_vote: null,
    });
    const copies: SandboxMessageRow[] = [];
    if (await this.deps.sandbox.hasPhone(fromNumber)) copies.push(copy(fromNumber, toNumber, true));
    if (exists && (await this.deps.sandbox.hasPhone(toNumber))) copies.push(copy(toNumber, fromNumber, false));
    // Together: a crash between two writes would leave the sender's copy saying "delivered" alone.
    await this.deps.sandbox.addMessages(copies);
    if (!exists) return status;
    const received: NetworkMessage = {
      ...message,
      chatId: chatIdOf(fromNumber),
      senderId: chatIdOf(fromNumber),
      senderName: message.senderName || `+${fromNumber}`,
    };
    for (const instance of await this.linkedInstances(toNumber)) {
      if (instance.idInstance !== viaInstance) {
        await this.deps.events.incomingMessage(instance.idInstance, received);
      }
    }
    return status;
  }

  /** `reader` has read what `peer` sent: both sides of the account and the sender learn it. */
  private async markRead(readerNumber: string, peerNumber: string, idMessage?: string): Promise<void> {
    const read = new Set(await this.deps.sandbox.markReceivedRead(readerNumber, peerNumber, idMessage));
    for (const instance of await this.linkedInstances(readerNumber)) {
      for (const id of await this.deps.events.chatRead(instance.idInstance, chatIdOf(peerNumber), idMessage)) read.add(id);
    }
    if (read.size === 0) return;
    const ids = [...read];
    await this.deps.sandbox.setSentStatus(peerNumber, ids, "read");
    for (const instance of await this.linkedInstances(peerNumber)) {
      for (const id of ids) await this.deps.events.statusChanged(instance.idInstance, id, "read");
    }
  }
}
