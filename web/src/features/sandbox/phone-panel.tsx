import { useEffect, useId, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import type { SandboxChat, SandboxPhone } from "../../../../shared/sandbox.schemas.js";
import { ApiError } from "../../api/client.js";
import { getPhone, listChats, markChatRead, openPhone } from "../../api/sandbox.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePolling } from "../../components/use-polling.js";
import { ChatList } from "./chat-list.js";
import { ChatView } from "./chat-view.js";
import { SANDBOX_REFRESH_MS } from "./constants.js";
import { LinkInstanceForm } from "./link-instance-form.js";
import { LinkedInstances } from "./linked-instances.js";
import { NewChatForm } from "./new-chat-form.js";

/** The phone, opened (and so created) when the URL names a number the server does not know yet. */
async function loadPhone(number: string): Promise<SandboxPhone> {
  try {
    return await getPhone(number);
  } catch (error) {
    if (error instanceof ApiError && error.code === "not_found") return openPhone(number);
    throw error;
  }
}

interface PhonePanelProps {
  number: string;
  /** Changes when this panel should take the focus (just opened, or asked for again). */
  focusSerial: number;
  onClose: () => void;
}

/** One sandbox phone: its linked instances, linking, its chats and the open chat. */
export function PhonePanel({ number, focusSerial, onClose }: PhonePanelProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [phone, setPhone] = useState<SandboxPhone | null>(null);
  const [chats, setChats] = useState<SandboxChat[]>([]);
  const [openChat, setOpenChat] = useState<string | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  useEffect(() => {
    if (focusSerial > 0) headingRef.current?.focus();
  }, [focusSerial]);

  /** Marks the chat read (the sender then sees "read") and clears its count here at once. */
  async function markRead(chatId: string) {
    setChats((previous) => previous.map((chat) => (chat.chatId === chatId ? { ...chat, unread: 0 } : chat)));
    await markChatRead(number, chatId);
  }

  const refresh = usePolling(
    async () => {
      try {
        const nextPhone = await loadPhone(number);
        const nextChats = await listChats(number);
        setPhone(nextPhone);
        setChats(nextChats);
        setFailure(null);
        const open = nextChats.find((chat) => chat.chatId === openChat);
        if (open && open.unread > 0) await markRead(open.chatId);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    SANDBOX_REFRESH_MS,
    true,
  );

  function openChatWith(chatId: string) {
    setOpenChat(chatId);
    const chat = chats.find((candidate) => candidate.chatId === chatId);
    if (chat && chat.unread > 0) markRead(chatId).catch((error: unknown) => setFailure(toFormFailure(error)));
  }

  return (
    <section className="card phone-panel" aria-labelledby={headingId}>
      <div className="phone-head">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          <Trans i18nKey="sandbox.phone.title" values={{ number }} components={{ number: <bdi dir="ltr" /> }} />
        </h2>
        <button type="button" className="button button-secondary button-small" aria-describedby={headingId} onClick={onClose}>
          {t("sandbox.phone.close")}
        </button>
      </div>
      <FormAlert failure={failure} />
      {phone === null ? (
        failure ? null : (
          <LoadingStatus />
        )
      ) : (
        <>
          <div className="phone-section">
            <h3>{t("sandbox.linkedInstances.title")}</h3>
            <LinkedInstances phone={phone} onChanged={setPhone} />
            <LinkInstanceForm
              number={number}
              onLinked={(result) => {
                setPhone(result.phone);
                refresh();
              }}
            />
          </div>
          <div className="phone-section">
            <h3>{t("sandbox.chats.title")}</h3>
            <ChatList chats={chats} openChat={openChat} onOpen={openChatWith} />
            <NewChatForm number={number} onStart={openChatWith} />
          </div>
          {openChat !== null && (
            <ChatView key={openChat} number={number} chatId={openChat} onSent={refresh} onClose={() => setOpenChat(null)} />
          )}
        </>
      )}
    </section>
  );
}
