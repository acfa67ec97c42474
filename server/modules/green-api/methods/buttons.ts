import { z } from "zod";
import { parseOrThrow } from "../green-api.errors.js";
import type { MethodCall, MethodHandler, GreenApiServices } from "../method-context.js";
import { chatId, optional, quoted, messageId } from "./sending.js";

/**
 * Messages with buttons and lists, and links. WhatsApp stopped showing the legacy kinds
 * (buttons, template buttons, lists) years ago, and GREEN-API still accepts them: so does this
 * server, journaling and delivering each under its GREEN-API type for whoever reads them.
 */

const text = (max: number) => z.string().min(1).max(max);
const header = optional(z.string().max(60));
const footer = optional(z.string().max(60));

const interactiveButton = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("copy"), buttonId: optional(z.string().max(256)), buttonText: text(25), copyCode: text(256) }),
  z.strictObject({ type: z.literal("call"), buttonId: optional(z.string().max(256)), buttonText: text(25), phoneNumber: text(20) }),
  z.strictObject({
    type: z.literal("url"),
    buttonId: optional(z.string().max(256)),
    buttonText: text(25),
    url: z.string().url().max(2048),
  }),
]);
const replyButton = z.strictObject({ buttonId: optional(z.string().max(256)), buttonText: text(25) });

/** The interactive kinds' request: a text framed by a header and a footer, and up to three buttons. */
const interactiveBody = <Button extends z.ZodType>(button: Button) =>
  z.strictObject({ chatId: chatId(), header, body: text(1024), footer, buttons: z.array(button).min(1).max(3) });
const sendInteractiveButtonsBody = interactiveBody(interactiveButton);
const sendInteractiveButtonsReplyBody = interactiveBody(replyButton);
const sendLinkBody = z.strictObject({
  chatId: chatId(),
  urlLink: z.string().url("'urlLink' must be a valid uri").max(2048),
  quotedMessageId: optional(messageId),
});
const sendButtonsBody = z.strictObject({
  chatId: chatId(),
  message: text(1024),
  footer,
  buttons: z
    .array(z.strictObject({ buttonId: optional(z.union([z.string(), z.number()])), buttonText: text(25) }))
    .min(1)
    .max(3),
  quotedMessageId: optional(messageId),
});
const templateButton = z
  .strictObject({
    index: optional(z.number().int().min(1)),
    urlButton: optional(z.strictObject({ displayText: text(25), url: z.string().url().max(2048) })),
    callButton: optional(z.strictObject({ displayText: text(25), phoneNumber: text(20) })),
    quickReplyButton: optional(z.strictObject({ displayText: text(25), id: z.string().max(256) })),
  })
  // A template button is one of the three kinds, exactly.
  .refine((button) => [button.urlButton, button.callButton, button.quickReplyButton].filter(Boolean).length === 1, {
    message: "'templateButtons' items must have one of [urlButton, callButton, quickReplyButton]",
  });
const sendTemplateButtonsBody = z.strictObject({
  chatId: chatId(),
  message: text(1024),
  footer,
  templateButtons: z.array(templateButton).min(1).max(3),
  quotedMessageId: optional(messageId),
});
const sendListMessageBody = z.strictObject({
  chatId: chatId(),
  message: text(1024),
  title: optional(z.string().max(60)),
  footer,
  buttonText: text(20),
  sections: z
    .array(
      z.strictObject({
        title: optional(z.string().max(24)),
        rows: z
          .array(z.strictObject({ rowId: z.string().max(200), title: text(24), description: optional(z.string().max(72)) }))
          .min(1)
          .max(10),
      }),
    )
    .min(1)
    .max(10),
  quotedMessageId: optional(messageId),
});

/** Queues a message of one of these kinds: its data under the key GREEN-API names after its type. */
async function queueTyped(
  call: MethodCall,
  services: GreenApiServices,
  sendMethod: string,
  request: { chatId: string; quotedMessageId?: string | undefined },
  typeMessage: string,
  data: Record<string, unknown>,
): Promise<{ idMessage: string }> {
  const quote = await quoted(call, services, request.chatId, request.quotedMessageId);
  const idMessage = await services.messaging.queueSend(call.instance, {
    sendMethod,
    chatId: request.chatId,
    typeMessage,
    journal: { [typeMessage]: data, ...quote },
    messageData: { typeMessage, [typeMessage]: data, ...quote },
    request,
  });
  return { idMessage };
}

/** The two interactive kinds: the same fields, buttons of their own sorts. */
function interactive(
  sendMethod: string,
  typeMessage: string,
  schema: typeof sendInteractiveButtonsBody | typeof sendInteractiveButtonsReplyBody,
): MethodHandler {
  return async (call, services) => {
    const body = parseOrThrow(schema, call.body);
    return queueTyped(call, services, sendMethod, body, typeMessage, {
      titleText: body.header ?? "",
      contentText: body.body,
      footerText: body.footer ?? "",
      buttons: body.buttons,
    });
  };
}

export const buttonMethods: Record<string, MethodHandler> = {
  sendInteractiveButtons: interactive("sendInteractiveButtons", "interactiveButtons", sendInteractiveButtonsBody),
  sendInteractiveButtonsReply: interactive("sendInteractiveButtonsReply", "interactiveButtonsReply", sendInteractiveButtonsReplyBody),

  sendButtons: async (call, services) => {
    const body = parseOrThrow(sendButtonsBody, call.body);
    return queueTyped(call, services, "sendButtons", body, "buttonsMessage", {
      contentText: body.message,
      footer: body.footer ?? "",
      buttons: body.buttons.map((button, index) => ({ buttonId: String(button.buttonId ?? index + 1), buttonText: button.buttonText })),
    });
  },

  sendTemplateButtons: async (call, services) => {
    const body = parseOrThrow(sendTemplateButtonsBody, call.body);
    return queueTyped(call, services, "sendTemplateButtons", body, "templateMessage", {
      contentText: body.message,
      footer: body.footer ?? "",
      buttons: body.templateButtons,
    });
  },

  sendListMessage: async (call, services) => {
    const body = parseOrThrow(sendListMessageBody, call.body);
    return queueTyped(call, services, "sendListMessage", body, "listMessage", {
      contentText: body.message,
      title: body.title ?? "",
      footer: body.footer ?? "",
      buttonText: body.buttonText,
      sections: body.sections,
    });
  },

  // A link travels as text with a preview, as GREEN-API sends it.
  sendLink: async (call, services) => {
    const body = parseOrThrow(sendLinkBody, call.body);
    const quote = await quoted(call, services, body.chatId, body.quotedMessageId);
    const extendedTextMessageData = {
      text: body.urlLink,
      description: "",
      title: "",
      previewType: "None",
      jpegThumbnail: "",
      forwardingScore: 0,
      isForwarded: false,
    };
    const idMessage = await services.messaging.queueSend(call.instance, {
      sendMethod: "sendLink",
      chatId: body.chatId,
      typeMessage: "extendedTextMessage",
      journal: { textMessage: body.urlLink, extendedTextMessage: extendedTextMessageData, ...quote },
      messageData: { typeMessage: "extendedTextMessage", extendedTextMessageData, ...quote },
      request: body,
    });
    return { idMessage };
  },
};
