import { useTranslation } from "react-i18next";
import type { SandboxChat } from "../../../../shared/sandbox.schemas.js";
import { formatDateTime } from "../../components/format-date.js";

interface ChatListProps {
  chats: readonly SandboxChat[];
  openChat: string | null;
  onOpen: (chatId: string) => void;
}

/** The phone's chats, newest activity as the server orders them; each one opens with a click. */
export function ChatList({ chats, openChat, onOpen }: ChatListProps) {
  const { t } = useTranslation();
  if (chats.length === 0) return <p className="muted">{t("sandbox.chats.none")}</p>;
  return (
    <ul className="chat-list">
      {chats.map((chat) => (
        <li key={chat.chatId}>
          <button
            type="button"
            className="chat-item"
            aria-current={chat.chatId === openChat ? "true" : undefined}
            onClick={() => onOpen(chat.chatId)}
          >
            <span className="chat-item-top">
              <span className="chat-id" dir="ltr">
                {chat.chatId}
              </span>
              <time className="chat-time" dateTime={new Date(chat.lastTimestamp * 1000).toISOString()}>
                {formatDateTime(chat.lastTimestamp * 1000)}
              </time>
            </span>
            <span className="chat-item-bottom">
              <bdi className="chat-last">{chat.lastMessage}</bdi>
              {chat.unread > 0 && (
                <span className="unread-badge">
                  <span aria-hidden="true">{chat.unread}</span>
                  <span className="visually-hidden">{t("sandbox.chats.unread", { count: chat.unread })}</span>
                </span>
              )}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
