import { randomIdHex } from "../../security/tokens.js";

/** idMessage of a message sent through the API: "BAE5" and 12 upper-case hex digits, as GREEN-API's. */
export function createApiMessageId(): string {
  return `BAE5${randomIdHex(6).toUpperCase()}`;
}

/** idMessage of a message written on a sandbox phone: 32 upper-case hex digits, as phones' ids look. */
export function createPhoneMessageId(): string {
  return randomIdHex(16).toUpperCase();
}

export function chatIdOf(phoneNumber: string): string {
  return `${phoneNumber}@c.us`;
}

export function phoneOf(chatId: string): string {
  return chatId.replace(/@.*$/, "");
}
