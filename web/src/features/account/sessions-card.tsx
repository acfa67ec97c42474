import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AccountSession } from "../../../../shared/accounts.schemas.js";
import { ApiError } from "../../api/client.js";
import { endAccountSession, endOtherAccountSessions, listAccountSessions } from "../../api/console.js";
import { formatDateTime } from "../../components/format-date.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePolling } from "../../components/use-polling.js";

/** Sessions end and begin on other devices too; the list catches up on its own now and then. */
const REFRESH_MS = 30_000;

/** What the status line says after the last action. */
type Outcome = { kind: "ended" } | { kind: "endedOthers"; count: number };

/** This browser's session first, then the others as the server orders them (newest first). */
function currentFirst(sessions: AccountSession[]): AccountSession[] {
  return [...sessions.filter((session) => session.isCurrent), ...sessions.filter((session) => !session.isCurrent)];
}

/** The Account tab's list of signed-in sessions, with End for each other one and End all other sessions. */
export function SessionsCard() {
  const { t } = useTranslation();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [sessions, setSessions] = useState<AccountSession[] | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** The session being ended, "others" for End all other sessions, or null. */
  const [ending, setEnding] = useState<string | null>(null);

  const refresh = usePolling(
    async () => {
      try {
        setSessions(currentFirst(await listAccountSessions()));
        setFailure(null);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    REFRESH_MS,
    true,
  );

  async function end(action: string, run: () => Promise<Outcome>) {
    if (ending !== null) return;
    setEnding(action);
    setFailure(null);
    setOutcome(null);
    try {
      setOutcome(await run());
      // The button that was pressed goes away with its session; the heading keeps the focus in the card.
      headingRef.current?.focus();
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setEnding(null);
      refresh();
    }
  }

  function endOne(session: AccountSession) {
    void end(session.id, async () => {
      try {
        await endAccountSession(session.id);
      } catch (error) {
        // Already gone (it expired or was ended elsewhere): what the person asked for is done.
        if (!(error instanceof ApiError && error.code === "not_found")) throw error;
      }
      return { kind: "ended" };
    });
  }

  function endOthers() {
    void end("others", async () => ({ kind: "endedOthers", count: await endOtherAccountSessions() }));
  }

  const others = sessions?.filter((session) => !session.isCurrent) ?? [];

  return (
    <section className="card console-card sessions" aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {t("account.sessions.title")}
      </h2>
      <p className="muted">{t("account.sessions.intro")}</p>
      <FormAlert failure={failure} />
      {sessions === null ? (
        failure ? null : (
          <LoadingStatus />
        )
      ) : (
        <ul className="session-list" aria-labelledby={headingId}>
          {sessions.map((session) => (
            <SessionItem key={session.id} session={session} busy={ending === session.id} onEnd={() => endOne(session)} />
          ))}
        </ul>
      )}
      {sessions !== null &&
        (others.length > 0 ? (
          <div className="button-row session-actions">
            <button
              type="button"
              className="button button-danger-outline"
              aria-disabled={ending !== null || undefined}
              aria-busy={ending === "others" || undefined}
              onClick={endOthers}
            >
              {ending === "others" && <span className="spinner" aria-hidden="true" />}
              {t("account.sessions.endOthers")}
            </button>
          </div>
        ) : (
          <p className="muted session-none">{t("account.sessions.noOthers")}</p>
        ))}
      <div role="status" className="status-region">
        {outcome && (
          <p className="alert alert-success">
            {outcome.kind === "ended" ? t("account.sessions.ended") : t("account.sessions.endedOthers", { count: outcome.count })}
          </p>
        )}
      </div>
    </section>
  );
}

function SessionItem({ session, busy, onEnd }: { session: AccountSession; busy: boolean; onEnd: () => void }) {
  const { t } = useTranslation();
  const deviceId = useId();
  const device = session.device.trim() || t("account.sessions.unknownDevice");

  return (
    <li className={session.isCurrent ? "session is-current" : "session"}>
      <div className="session-main">
        <div className="session-head">
          <h3 id={deviceId} className="session-device">
            <bdi>{device}</bdi>
          </h3>
          {session.isCurrent && <span className="badge badge-current">{t("account.sessions.current")}</span>}
        </div>
        <dl className="session-facts">
          <div>
            <dt>{t("account.sessions.address")}</dt>
            <dd>
              <span dir="ltr">{session.ip}</span>
            </dd>
          </div>
          <div>
            <dt>{t("account.sessions.signedIn")}</dt>
            <dd>
              <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>
            </dd>
          </div>
          <div>
            <dt>{t("account.sessions.lastActivity")}</dt>
            <dd>
              <time dateTime={session.lastSeenAt}>{formatDateTime(session.lastSeenAt)}</time>
            </dd>
          </div>
        </dl>
      </div>
      {!session.isCurrent && (
        // The name stays "End"; the description says whose session, as the list item shows it.
        <button
          type="button"
          className="button button-secondary button-small session-end"
          aria-describedby={deviceId}
          aria-disabled={busy || undefined}
          aria-busy={busy || undefined}
          onClick={onEnd}
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          {t("account.sessions.end")}
        </button>
      )}
    </li>
  );
}
