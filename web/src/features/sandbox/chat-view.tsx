import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { sandboxFileFieldsSchema } from "../../../../shared/sandbox.schemas.js";
import type { SandboxMessage } from "../../../../shared/sandbox.schemas.js";
import { listMessages, sendSandboxFile, sendSandboxMessage } from "../../api/sandbox.js";
import { FileField } from "../../components/file-field.js";
import { Form, FormAlert, toFormFailure, useFormValues } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { formatDateTime } from "../../components/format-date.js";
import { TextField } from "../../components/text-field.js";
import { usePolling } from "../../components/use-polling.js";
import { SANDBOX_REFRESH_MS } from "./constants.js";
import { MessageFile } from "./message-file.js";
import { PollVote } from "./poll-vote.js";

const textSchema = z.object({ text: z.string().trim().min(1, "required").max(20_000, "too_long") });
/** With a file attached, the text box holds its caption, which may be empty. */
const captionSchema = z.object({ text: sandboxFileFieldsSchema.shape.caption });

interface ChatViewProps {
  number: string;
  chatId: string;
  /** After a message is sent, so that the chat list shows it too. */
  onSent: () => void;
  onClose: () => void;
}

/** An open chat: the messages (mine at the inline end, theirs at the start) and the composer. */
export function ChatView({ number, chatId, onSent, onClose }: ChatViewProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const [messages, setMessages] = useState<SandboxMessage[] | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  const refresh = usePolling(
    async () => {
      try {
        setMessages(await listMessages(number, chatId));
        setFailure(null);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    SANDBOX_REFRESH_MS,
    true,
  );

  // Follow new messages, unless the person has scrolled up to read older ones; a picture that
  // loads later grows the log, so it is followed again then.
  const followIfAtBottom = useCallback(() => {
    const log = logRef.current;
    if (log && atBottom.current) log.scrollTop = log.scrollHeight;
  }, []);
  const lastId = messages?.at(-1)?.idMessage;
  useEffect(() => followIfAtBottom(), [followIfAtBottom, lastId]);

  return (
    <div className="phone-section chat-view">
      <div className="chat-head">
        <h3 id={headingId}>
          {t("sandbox.chat.title")} <bdi dir="ltr">{chatId}</bdi>
        </h3>
        <button type="button" className="button button-secondary button-small" onClick={onClose}>
          {t("sandbox.chat.close")}
        </button>
      </div>
      <FormAlert failure={failure} />
      <div
        ref={logRef}
        className="chat-log"
        role="log"
        aria-labelledby={headingId}
        tabIndex={0}
        onScroll={(event) => {
          const log = event.currentTarget;
          atBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
        }}
      >
        {messages !== null && messages.length === 0 && <p className="muted chat-empty">{t("sandbox.chat.empty")}</p>}
        <ol className="messages">
          {messages?.map((message) => (
            <MessageBubble
              key={message.idMessage}
              message={message}
              onMediaLoad={followIfAtBottom}
              vote={(poll) => (
                <PollVote number={number} chatId={chatId} idMessage={message.idMessage} poll={poll} onVoted={() => void refresh()} />
              )}
            />
          ))}
        </ol>
      </div>
      <Composer
        number={number}
        chatId={chatId}
        onSent={(message) => {
          atBottom.current = true;
          setMessages((previous) =>
            previous && !previous.some((known) => known.idMessage === message.idMessage) ? [...previous, message] : previous,
          );
          refresh();
          onSent();
        }}
      />
    </div>
  );
}

interface MessageBubbleProps {
  message: SandboxMessage;
  onMediaLoad: () => void;
  /** The voting controls of a poll received. */
  vote: (poll: NonNullable<SandboxMessage["poll"]>) => ReactNode;
}

function MessageBubble({ message, onMediaLoad, vote }: MessageBubbleProps) {
  const { t } = useTranslation();
  // Under a file, its caption, if any.
  const { text } = message;
  const plain = message.file !== null || message.typeMessage === "textMessage" || message.typeMessage === "extendedTextMessage";
  return (
    <li className={`message ${message.fromMe ? "message-mine" : "message-theirs"}${plain ? "" : " message-special"}`}>
      <span className="visually-hidden">{message.fromMe ? t("sandbox.chat.fromMe") : t("sandbox.chat.fromThem")}: </span>
      {message.file && <MessageFile file={message.file} onMediaLoad={onMediaLoad} />}
      {message.isDeleted && <p className="message-text message-deleted">{t("sandbox.chat.deleted")}</p>}
      {message.poll && vote(message.poll)}
      {text !== "" && (
        <p className="message-text">
          <bdi>{text}</bdi>
        </p>
      )}
      <p className="message-meta">
        {message.isEdited && !message.isDeleted && <span className="message-edited">{t("sandbox.chat.edited")}</span>}
        <time dateTime={new Date(message.timestamp * 1000).toISOString()}>
          {formatDateTime(message.timestamp * 1000, { timeOnly: true })}
        </time>
        {message.fromMe && message.status && (
          <span className={`message-status status-${message.status}`}>
            <span className="ticks" aria-hidden="true">
              {message.status === "noAccount" ? "!" : message.status === "sent" ? "✓" : "✓✓"}
            </span>
            <span className="status-text">{t(`sandbox.status.${message.status}`)}</span>
          </span>
        )}
      </p>
    </li>
  );
}

function Composer({ number, chatId, onSent }: { number: string; chatId: string; onSent: (message: SandboxMessage) => void }) {
  const { t } = useTranslation();
  const form = useFormValues({ text: "", file: null as File | null });
  const { file } = form.values;

  function onSubmit() {
    const text = form.values.text.trim();
    void form.submit(file ? captionSchema : textSchema, { text }, async () => {
      const message = file ? await sendSandboxFile(number, chatId, file, text) : await sendSandboxMessage(number, chatId, text);
      form.resetValues();
      onSent(message);
      form.formRef.current?.querySelector<HTMLInputElement>('input[name="text"]')?.focus();
    });
  }

  return (
    <div className="inline-form composer">
      <Form
        form={form}
        submitLabel={t("sandbox.chat.send")}
        onSubmit={onSubmit}
        failureTexts={{ quota_exceeded: t("sandbox.chat.storageFull"), payload_too_large: t("fieldErrors.too_large") }}
      >
        <FileField
          id={`sandbox-${number}-file`}
          label={t("sandbox.chat.attach")}
          {...form.fieldProps("file")}
          onValueChange={(next) => {
            form.change("file", next);
            // "Required" no longer holds for the text once it is only a caption.
            if (next) form.clearFieldError("text");
          }}
        />
        <TextField
          id={`sandbox-${number}-message`}
          label={file ? t("sandbox.chat.caption") : t("sandbox.chat.message")}
          autoComplete="off"
          {...form.fieldProps("text")}
        />
      </Form>
    </div>
  );
}
