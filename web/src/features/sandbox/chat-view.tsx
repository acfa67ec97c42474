import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import type { SandboxMessage } from "../../../../shared/sandbox.schemas.js";
import { listMessages, sendSandboxMessage } from "../../api/sandbox.js";
import { Form, FormAlert, toFormFailure, useFormValues } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { formatDateTime } from "../../components/format-date.js";
import { TextField } from "../../components/text-field.js";
import { usePolling } from "../../components/use-polling.js";
import { SANDBOX_REFRESH_MS } from "./constants.js";

const schema = z.object({ text: z.string().trim().min(1, "required").max(20_000, "too_long") });

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

  // Follow new messages, unless the person has scrolled up to read older ones.
  const lastId = messages?.at(-1)?.idMessage;
  useEffect(() => {
    const log = logRef.current;
    if (log && atBottom.current) log.scrollTop = log.scrollHeight;
  }, [lastId]);

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
            <MessageBubble key={message.idMessage} message={message} />
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

function MessageBubble({ message }: { message: SandboxMessage }) {
  const { t } = useTranslation();
  const kind = message.typeMessage === "textMessage" || message.typeMessage === "extendedTextMessage" ? "" : " message-special";
  return (
    <li className={`message ${message.fromMe ? "message-mine" : "message-theirs"}${kind}`}>
      <span className="visually-hidden">{message.fromMe ? t("sandbox.chat.fromMe") : t("sandbox.chat.fromThem")}: </span>
      <p className="message-text">
        <bdi>{message.text}</bdi>
      </p>
      <p className="message-meta">
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
  const form = useFormValues({ text: "" });

  function onSubmit() {
    const request = form.values;
    void form.submit(schema, request, async () => {
      const message = await sendSandboxMessage(number, chatId, request.text.trim());
      form.resetValues();
      onSent(message);
      form.formRef.current?.querySelector("input")?.focus();
    });
  }

  return (
    <div className="inline-form composer">
      <Form form={form} submitLabel={t("sandbox.chat.send")} onSubmit={onSubmit}>
        <TextField id={`sandbox-${number}-message`} label={t("sandbox.chat.message")} autoComplete="off" {...form.fieldProps("text")} />
      </Form>
    </div>
  );
}
