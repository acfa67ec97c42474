import { randomBytes, randomInt } from "node:crypto";
import QRCode from "qrcode";
import type { Clock } from "../../clock.js";
import { chatIdOf, createPhoneMessageId, phoneOf } from "../../modules/green-api/ids.js";
import type { JournalRepository } from "../../modules/green-api/journal.repository.js";
import type { InstanceRow, InstancesRepository } from "../../modules/instances/instances.repository.js";
import { createSortableId } from "../../security/tokens.js";
import type { ConnectorEvents, Contact, DeliveryStatus, MessengerConnector, NetworkMessage, QrAnswer } from "../connector.js";
import type { SandboxRepository } from "./sandbox.repository.js";
import type { AccountDataOwner } from "../../modules/accounts/accounts.service.js";

/** A QR code is replaced this often, as WhatsApp's are. */
export const QR_LIFETIME_MS = 20_000;
/** A pairing code stays valid about two and a half minutes. */
export const PAIRING_CODE_LIFETIME_MS = 150_000;
const PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTVWXYZ23456789";
/** getContacts answers at most this many chats of the journal, as getChats does. */
const MAX_CONTACTS = 10_000;

export class SandboxLinkError extends Error {}

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
      instances: InstancesRepository;
      journal: JournalRepository;
      events: ConnectorEvents;
      clock: Clock;
      publicUrl: string;
    },
  ) {}

  async qr(instance: InstanceRow): Promise<QrAnswer> {
    if (instance.state === "authorized") return { type: "alreadyLogged", message: "instance account already authorized" };
    if (instance.state === "starting") return { type: "error", message: "instance in starting process try later" };
    const now = this.deps.clock.now();
    let code = instance.link_code;
    let expiresAt = instance.link_code_expires_at ?? 0;
    if (!code || expiresAt <= now) {
      code = randomBytes(18).toString("base64url");
      expiresAt = now + QR_LIFETIME_MS;
      await this.deps.instances.update(Number(instance.id_instance), { link_code: code, link_code_expires_at: expiresAt });
    }
    const link = `${this.deps.publicUrl}/sandbox?link=${code}`;
    const png = await QRCode.toBuffer(link, { type: "png", margin: 1, width: 264, errorCorrectionLevel: "M" });
    return { type: "qrCode", message: png.toString("base64"), link, expiresInMs: expiresAt - now };
  }

  async pairingCode(instance: InstanceRow, phoneNumber: string): Promise<string> {
    let code = "";
    for (let index = 0; index < 8; index++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
    await this.deps.instances.update(Number(instance.id_instance), {
      pairing_code: code,
      pairing_phone: phoneNumber,
      pairing_code_expires_at: this.deps.clock.now() + PAIRING_CODE_LIFETIME_MS,
    });
    return code;
  }

  async logout(instance: InstanceRow): Promise<void> {
    await this.deps.events.unlinked(Number(instance.id_instance));
  }

  async hasAccount(phoneNumber: string): Promise<boolean> {
    if (await this.deps.sandbox.hasPhone(phoneNumber)) return true;
    return (await this.deps.instances.listByWid(chatIdOf(phoneNumber))).length > 0;
  }

  async send(instance: InstanceRow, message: NetworkMessage): Promise<DeliveryStatus> {
    return this.deliver(phoneOf(instance.wid), message, Number(instance.id_instance));
  }

  async readChat(instance: InstanceRow, chatId: string, idMessage?: string): Promise<void> {
    await this.markRead(phoneOf(instance.wid), phoneOf(chatId), idMessage);
  }

  /**
   * The instance's own contacts only: whom it has exchanged messages with, and the chats of
   * its linked sandbox phone. Other people's numbers on this server are none of its business.
   */
  async contacts(instance: InstanceRow): Promise<Contact[]> {
    const own = phoneOf(instance.wid);
    const chats = await this.deps.journal.listChats(Number(instance.id_instance), MAX_CONTACTS);
    const numbers = new Set(chats.filter((chat) => chat.chatId.endsWith("@c.us")).map((chat) => phoneOf(chat.chatId)));
    for (const peer of await this.deps.sandbox.listPeers(own)) numbers.add(peer);
    numbers.delete(own);
    return [...numbers].sort().map((number) => ({ id: chatIdOf(number), name: `+${number}`, contactName: "", type: "user" as const }));
  }

  async deliveryOf(instance: InstanceRow, idMessage: string): Promise<DeliveryStatus | undefined> {
    const copies = await this.deps.sandbox.listCopies(idMessage);
    const senderCopy = copies.find((copy) => copy.from_me === 1 && copy.phone_number === phoneOf(instance.wid));
    if (senderCopy?.status) return senderCopy.status as DeliveryStatus;
    return copies.some((copy) => copy.from_me === 0) ? "delivered" : undefined;
  }

  readonly exportKey = "sandboxPhones";

  /** With the account: its phones go, and the instances linked to them are unlinked. */
  async deleteAccountData(userId: string): Promise<void> {
    for (const phone of await this.deps.sandbox.listPhonesOf(userId)) {
      for (const instance of await this.linkedInstances(phone.number)) await this.deps.events.unlinked(Number(instance.id_instance));
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
  async link(phoneNumber: string, code: string): Promise<InstanceRow> {
    // The caller has opened the phone (the routes check its owner).
    const now = this.deps.clock.now();
    const instance =
      (await this.deps.instances.findByLinkCode(code, now)) ??
      (await this.deps.instances.findByPairingCode(code.toUpperCase().replace(/[\s-]/g, ""), phoneNumber, now));
    if (!instance || instance.state === "authorized") throw new SandboxLinkError("unknown or expired code");
    await this.deps.events.linked(Number(instance.id_instance), chatIdOf(phoneNumber));
    return instance;
  }

  async unlink(phoneNumber: string, idInstance: number): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (instance && instance.wid === chatIdOf(phoneNumber)) await this.deps.events.unlinked(idInstance);
  }

  linkedInstances(phoneNumber: string): Promise<InstanceRow[]> {
    return this.deps.instances.listByWid(chatIdOf(phoneNumber));
  }

  /** A person types a message on a sandbox phone. */
  async sendFromPhone(phoneNumber: string, chatId: string, text: string): Promise<{ idMessage: string; status: DeliveryStatus }> {
    const message: NetworkMessage = {
      idMessage: createPhoneMessageId(),
      chatId,
      senderId: chatIdOf(phoneNumber),
      senderName: `+${phoneNumber}`,
      typeMessage: "textMessage",
      journal: { textMessage: text },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: text } },
      timestamp: this.deps.clock.now(),
    };
    for (const instance of await this.linkedInstances(phoneNumber)) {
      await this.deps.events.outgoingFromPhone(Number(instance.id_instance), message);
    }
    const status = await this.deliver(phoneNumber, message);
    return { idMessage: message.idMessage, status };
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
    const exists = await this.hasAccount(toNumber);
    const status: DeliveryStatus = exists ? "delivered" : "noAccount";
    const text = displayText(message);
    if (await this.deps.sandbox.hasPhone(fromNumber)) {
      await this.deps.sandbox.addMessage({
        id: createSortableId(message.timestamp),
        phone_number: fromNumber,
        peer_number: toNumber,
        id_message: message.idMessage,
        from_me: 1,
        type_message: message.typeMessage,
        text,
        status,
        is_read: 1,
        created_at: message.timestamp,
      });
    }
    if (!exists) return status;
    if (await this.deps.sandbox.hasPhone(toNumber)) {
      await this.deps.sandbox.addMessage({
        id: createSortableId(message.timestamp),
        phone_number: toNumber,
        peer_number: fromNumber,
        id_message: message.idMessage,
        from_me: 0,
        type_message: message.typeMessage,
        text,
        status: null,
        is_read: 0,
        created_at: message.timestamp,
      });
    }
    const received: NetworkMessage = {
      ...message,
      chatId: chatIdOf(fromNumber),
      senderId: chatIdOf(fromNumber),
      senderName: message.senderName || `+${fromNumber}`,
    };
    for (const instance of await this.linkedInstances(toNumber)) {
      if (Number(instance.id_instance) !== viaInstance) {
        await this.deps.events.incomingMessage(Number(instance.id_instance), received);
      }
    }
    return status;
  }

  /** `reader` has read what `peer` sent: both sides of the account and the sender learn it. */
  private async markRead(readerNumber: string, peerNumber: string, idMessage?: string): Promise<void> {
    const read = new Set(await this.deps.sandbox.markReceivedRead(readerNumber, peerNumber, idMessage));
    for (const instance of await this.linkedInstances(readerNumber)) {
      for (const id of await this.deps.journal.markIncomingRead(Number(instance.id_instance), chatIdOf(peerNumber), idMessage))
        read.add(id);
    }
    if (read.size === 0) return;
    const ids = [...read];
    await this.deps.sandbox.setSentStatus(peerNumber, ids, "read");
    for (const instance of await this.linkedInstances(peerNumber)) {
      for (const id of ids) await this.deps.events.statusChanged(Number(instance.id_instance), id, "read");
    }
  }
}
