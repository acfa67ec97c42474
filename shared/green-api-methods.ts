/**
 * The API functions served under /waInstance{id}/{method}/{token}: documented verb,
 * per-instance rate limit (requests a second, GREEN-API's table) and an example
 * request, which the console's API tab offers as a starting point.
 */
export type ApiVerb = "GET" | "POST" | "DELETE";

export interface ApiMethod {
  name: string;
  verb: ApiVerb;
  /** Requests a second per instance. */
  rps: number;
  group: "account" | "sending" | "receiving" | "journals" | "queues" | "marks" | "service";
  /** Example JSON body for POST methods. */
  exampleBody?: Record<string, unknown>;
  /** Example query string (without "?") for GET methods that take one. */
  exampleQuery?: string;
  /** deleteNotification takes the receiptId as an extra path segment. */
  takesReceiptId?: boolean;
  /**
   * How a file method takes its file: "multipart" (form fields plus a `file` part, as
   * sendFileByUpload) or "raw" (the bytes as the body, as uploadFile; a multipart `file` part
   * is accepted too). A GA-Filename header may be percent-encoded (UTF-8), as headers carry
   * ASCII only. Such methods are also served on the instance's mediaUrl.
   */
  upload?: "multipart" | "raw";
  /** Example form fields of a multipart method, beside its `file` part. */
  exampleFields?: Record<string, string>;
}

const CHAT = "79001234567@c.us";

export const API_METHODS: readonly ApiMethod[] = [
  { name: "getSettings", verb: "GET", rps: 1, group: "account" },
  {
    name: "setSettings",
    verb: "POST",
    rps: 1,
    group: "account",
    exampleBody: { incomingWebhook: "yes", outgoingWebhook: "yes", stateWebhook: "yes" },
  },
  { name: "getStateInstance", verb: "GET", rps: 1, group: "account" },
  { name: "getStatusInstance", verb: "GET", rps: 1, group: "account" },
  { name: "getDeviceInfo", verb: "GET", rps: 1, group: "account" },
  { name: "getStateInstanceHistory", verb: "GET", rps: 1, group: "account", exampleQuery: "count=100" },
  { name: "getWaSettings", verb: "GET", rps: 1, group: "account" },
  { name: "reboot", verb: "GET", rps: 1, group: "account" },
  { name: "logout", verb: "GET", rps: 1, group: "account" },
  { name: "qr", verb: "GET", rps: 3, group: "account" },
  { name: "getAuthorizationCode", verb: "POST", rps: 1, group: "account", exampleBody: { phoneNumber: 79001234567 } },
  { name: "updateApiToken", verb: "GET", rps: 1, group: "account" },
  { name: "sendMessage", verb: "POST", rps: 50, group: "sending", exampleBody: { chatId: CHAT, message: "Hello from Switchboard" } },
  {
    name: "sendLocation",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: { chatId: CHAT, nameLocation: "Office", address: "1 Main St", latitude: 51.5074, longitude: -0.1278 },
  },
  {
    name: "sendContact",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: { chatId: CHAT, contact: { phoneContact: 79001234568, firstName: "Ada", lastName: "Lovelace" } },
  },
  {
    name: "sendPoll",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      message: "Which colour?",
      options: [{ optionName: "green" }, { optionName: "red" }],
      multipleAnswers: false,
    },
  },
  {
    name: "forwardMessages",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: { chatId: CHAT, chatIdFrom: "79001234568@c.us", messages: ["BAE5F4886F6F2D05"] },
  },
  {
    name: "sendFileByUpload",
    verb: "POST",
    rps: 50,
    group: "sending",
    upload: "multipart",
    exampleFields: { chatId: CHAT, fileName: "photo.jpg", caption: "A photo" },
  },
  {
    name: "sendFileByUrl",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: { chatId: CHAT, urlFile: "https://example.com/files/photo.jpg", fileName: "photo.jpg", caption: "A photo" },
  },
  { name: "uploadFile", verb: "POST", rps: 50, group: "sending", upload: "raw" },
  {
    name: "sendInteractiveButtons",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      header: "Order 1042",
      body: "Your order is ready",
      footer: "Thank you",
      buttons: [
        { type: "copy", buttonId: "1", buttonText: "Copy the code", copyCode: "1042" },
        { type: "url", buttonId: "2", buttonText: "Track it", url: "https://example.com/orders/1042" },
      ],
    },
  },
  {
    name: "sendInteractiveButtonsReply",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      body: "Did it arrive?",
      buttons: [
        { buttonId: "yes", buttonText: "Yes" },
        { buttonId: "no", buttonText: "No" },
      ],
    },
  },
  { name: "sendLink", verb: "POST", rps: 50, group: "sending", exampleBody: { chatId: CHAT, urlLink: "https://example.com/" } },
  {
    name: "sendButtons",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      message: "Choose one",
      footer: "Legacy",
      buttons: [
        { buttonId: "1", buttonText: "One" },
        { buttonId: "2", buttonText: "Two" },
      ],
    },
  },
  {
    name: "sendTemplateButtons",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      message: "Contact us",
      templateButtons: [
        { index: 1, urlButton: { displayText: "Web site", url: "https://example.com/" } },
        { index: 2, callButton: { displayText: "Call", phoneNumber: "+79001234567" } },
      ],
    },
  },
  {
    name: "sendListMessage",
    verb: "POST",
    rps: 50,
    group: "sending",
    exampleBody: {
      chatId: CHAT,
      message: "Pick a size",
      buttonText: "Sizes",
      sections: [
        {
          title: "Shirts",
          rows: [
            { rowId: "s", title: "Small" },
            { rowId: "m", title: "Medium", description: "Most chosen" },
          ],
        },
      ],
    },
  },
  { name: "sendTyping", verb: "POST", rps: 50, group: "sending", exampleBody: { chatId: CHAT, typingTime: 5000 } },
  { name: "receiveNotification", verb: "GET", rps: 100, group: "receiving", exampleQuery: "receiveTimeout=5" },
  { name: "deleteNotification", verb: "DELETE", rps: 100, group: "receiving", takesReceiptId: true },
  { name: "getChatHistory", verb: "POST", rps: 1, group: "journals", exampleBody: { chatId: CHAT, count: 100 } },
  { name: "getMessage", verb: "POST", rps: 10, group: "journals", exampleBody: { chatId: CHAT, idMessage: "BAE5F4886F6F2D05" } },
  { name: "downloadFile", verb: "POST", rps: 5, group: "journals", exampleBody: { chatId: CHAT, idMessage: "BAE5F4886F6F2D05" } },
  { name: "lastIncomingMessages", verb: "GET", rps: 1, group: "journals", exampleQuery: "minutes=1440" },
  { name: "lastOutgoingMessages", verb: "GET", rps: 1, group: "journals", exampleQuery: "minutes=1440" },
  { name: "showMessagesQueue", verb: "GET", rps: 1, group: "queues" },
  { name: "clearMessagesQueue", verb: "GET", rps: 1, group: "queues" },
  { name: "getMessagesCount", verb: "GET", rps: 1, group: "queues" },
  { name: "getWebhooksCount", verb: "GET", rps: 1, group: "queues" },
  { name: "clearWebhooksQueue", verb: "DELETE", rps: 1, group: "queues" },
  { name: "readChat", verb: "POST", rps: 10, group: "marks", exampleBody: { chatId: CHAT } },
  { name: "checkWhatsapp", verb: "POST", rps: 10, group: "service", exampleBody: { phoneNumber: 79001234567 } },
  { name: "getContacts", verb: "GET", rps: 1, group: "service" },
  { name: "getContactInfo", verb: "POST", rps: 1, group: "service", exampleBody: { chatId: CHAT } },
  { name: "getAvatar", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT } },
  { name: "getChats", verb: "GET", rps: 1, group: "service", exampleQuery: "count=100" },
  {
    name: "editMessage",
    verb: "POST",
    rps: 10,
    group: "service",
    exampleBody: { chatId: CHAT, idMessage: "BAE5F4886F6F2D05", message: "Corrected text" },
  },
  { name: "deleteMessage", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT, idMessage: "BAE5F4886F6F2D05" } },
  { name: "archiveChat", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT } },
  { name: "unarchiveChat", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT } },
  { name: "setDisappearingChat", verb: "POST", rps: 1, group: "service", exampleBody: { chatId: CHAT, ephemeralExpiration: 86_400 } },
  { name: "addContact", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT, firstName: "Ada", lastName: "Lovelace" } },
  { name: "editContact", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT, firstName: "Ada", lastName: "King" } },
  { name: "deleteContact", verb: "POST", rps: 10, group: "service", exampleBody: { chatId: CHAT } },
];

const byLowerName = new Map(API_METHODS.map((method) => [method.name.toLowerCase(), method]));

/** Method names match without regard to case: SDKs send SendMessage, ForwardMessages… */
export function findApiMethod(name: string): ApiMethod | undefined {
  return byLowerName.get(name.toLowerCase());
}
