import { useId, useMemo, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { getInstanceSettings } from "../../api/instances.js";
import {
  getWebhookOverview,
  getWebhookSecret,
  redeliverAllDeadLetters,
  redeliverDeadLetter,
  resumeWebhooks,
  rotateWebhookSecret,
  sendTestWebhook,
} from "../../api/webhooks.js";
import type { WebhookOverview } from "../../api/webhooks.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { CopyButton } from "../../components/copy-button.js";
import { CredentialValue } from "../../components/credential-value.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePolling } from "../../components/use-polling.js";
import { ActionButton } from "../../components/action-button.js";

/** Deliveries happen within a second or so, so the tab refreshes often enough to show them as they go. */
const OVERVIEW_REFRESH_MS = 3000;

type Card = "delivery" | "secret" | "deadLetters";
type Done =
  | { kind: "testQueued"; receiptId: number }
  | { kind: "resumed" }
  | { kind: "rotated" }
  | { kind: "redelivered" }
  | { kind: "redeliveredAll"; count: number };

const CARD_OF: Record<Done["kind"], Card> = {
  testQueued: "delivery",
  resumed: "delivery",
  rotated: "secret",
  redelivered: "deadLetters",
  redeliveredAll: "deadLetters",
};

/** An epoch-ms moment in the interface language, with seconds; the date only when it is not today. */
function useFormatMoment(): (ms: number) => string {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const timeOnly = new Intl.DateTimeFormat(language, { timeStyle: "medium" });
    const withDate = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" });
    return (ms: number) => {
      const date = new Date(ms);
      return (date.toDateString() === new Date().toDateString() ? timeOnly : withDate).format(date);
    };
  }, [language]);
}

function Moment({ ms }: { ms: number }) {
  const format = useFormatMoment();
  return <time dateTime={new Date(ms).toISOString()}>{format(ms)}</time>;
}

interface WebhooksSectionProps {
  idInstance: number;
  /** Switches to the Settings tab, where webhookUrl and webhookUrlToken are edited. */
  onOpenSettings: () => void;
}

/**
 * The Webhooks tab: where notifications are pushed, how delivery goes, the signing secret, the
 * last attempts and the dead letters. The URL itself is edited in the Settings tab.
 */
export function WebhooksSection({ idInstance, onOpenSettings }: WebhooksSectionProps) {
  const [overview, setOverview] = useState<WebhookOverview | null>(null);
  const [webhookUrl, setWebhookUrl] = useState<string | null>(null);
  const [loadFailure, setLoadFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [failure, setFailure] = useState<{ card: Card; failure: FormFailure } | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [secretShown, setSecretShown] = useState(false);
  const [confirmingRotate, setConfirmingRotate] = useState(false);

  const refresh = usePolling(
    async () => {
      try {
        // The URL is read each time too: the API's setSettings may change it while the tab is open.
        const [nextOverview, settings] = await Promise.all([getWebhookOverview(idInstance), getInstanceSettings(idInstance)]);
        setOverview(nextOverview);
        setWebhookUrl(settings.webhookUrl);
        setLoadFailure(null);
      } catch (error) {
        setLoadFailure(toFormFailure(error));
      }
    },
    OVERVIEW_REFRESH_MS,
    true,
  );

  /** Runs one action at a time; its outcome or failure is shown in its card, and the overview refreshed. */
  async function run(name: string, card: Card, action: () => Promise<Done | null>) {
    if (busy) return;
    setBusy(name);
    setDone(null);
    setFailure(null);
    try {
      setDone(await action());
    } catch (error) {
      setFailure({ card, failure: toFormFailure(error) });
    } finally {
      setBusy(null);
      refresh();
    }
  }

  async function loadSecret(): Promise<string> {
    const value = await getWebhookSecret(idInstance);
    setSecret(value);
    return value;
  }

  function toggleSecret() {
    if (secretShown) {
      setSecretShown(false);
      return;
    }
    void run("reveal", "secret", async () => {
      // Each reveal is audited, so one already fetched is shown again without asking.
      if (secret === null) await loadSecret();
      setSecretShown(true);
      return null;
    });
  }

  async function rotate() {
    setDone(null);
    setFailure(null);
    setSecret(await rotateWebhookSecret(idInstance));
    setDone({ kind: "rotated" });
    refresh();
  }

  if (overview === null || webhookUrl === null) return loadFailure ? <FormAlert failure={loadFailure} /> : <LoadingStatus />;

  const failureIn = (card: Card) => (failure?.card === card ? failure.failure : null);
  const doneIn = (card: Card) => (done !== null && CARD_OF[done.kind] === card ? done : null);

  return (
    <div className="stack">
      <DeliveryCard
        overview={overview}
        webhookUrl={webhookUrl}
        busy={busy}
        failure={loadFailure ?? failureIn("delivery")}
        done={doneIn("delivery")}
        onOpenSettings={onOpenSettings}
        onResume={() =>
          void run("resume", "delivery", async () => {
            setOverview(await resumeWebhooks(idInstance));
            return { kind: "resumed" };
          })
        }
        onSendTest={() => void run("test", "delivery", async () => ({ kind: "testQueued", receiptId: await sendTestWebhook(idInstance) }))}
      />
      <SecretCard
        idInstance={idInstance}
        secret={secretShown ? secret : null}
        previousValidUntil={overview.previousSecretValidUntil}
        revealing={busy === "reveal"}
        failure={failureIn("secret")}
        done={doneIn("secret")}
        onToggle={toggleSecret}
        copyValue={() => (secret !== null ? Promise.resolve(secret) : loadSecret())}
        confirmingRotate={confirmingRotate}
        onRotate={() => setConfirmingRotate(true)}
        onConfirmRotate={rotate}
        onCloseRotate={() => setConfirmingRotate(false)}
      />
      <AttemptsCard attempts={overview.attempts} />
      <DeadLettersCard
        deadLetters={overview.deadLetters}
        busy={busy}
        failure={failureIn("deadLetters")}
        done={doneIn("deadLetters")}
        onRedeliver={(receiptId) =>
          void run(`redeliver-${receiptId}`, "deadLetters", async () => {
            await redeliverDeadLetter(idInstance, receiptId);
            return { kind: "redelivered" };
          })
        }
        onRedeliverAll={() =>
          void run("redeliverAll", "deadLetters", async () => ({
            kind: "redeliveredAll",
            count: await redeliverAllDeadLetters(idInstance),
          }))
        }
      />
    </div>
  );
}

interface DeliveryCardProps {
  overview: WebhookOverview;
  webhookUrl: string;
  busy: string | null;
  failure: FormFailure | null;
  done: Done | null;
  onOpenSettings: () => void;
  onResume: () => void;
  onSendTest: () => void;
}

function DeliveryCard({ overview, webhookUrl, busy, failure, done, onOpenSettings, onResume, onSendTest }: DeliveryCardProps) {
  const { t } = useTranslation();
  const { status } = overview;
  return (
    <section className="card console-card">
      <h2>{t("instance.webhooks.title")}</h2>
      <p className="muted">{t("instance.webhooks.intro")}</p>
      <FormAlert failure={failure} />
      <div className="stack">
        <dl className="credentials">
          <div className="credential">
            <dt>webhookUrl</dt>
            <dd>
              {webhookUrl === "" ? (
                <span className="muted">{t("instance.webhooks.noUrl")}</span>
              ) : (
                <code className="credential-value" dir="ltr">
                  {webhookUrl}
                </code>
              )}
              <button type="button" className="button button-secondary button-small" onClick={onOpenSettings}>
                {t("instance.webhooks.openSettings")}
              </button>
            </dd>
          </div>
          <div className="credential">
            <dt>{t("instance.webhooks.stateLabel")}</dt>
            <dd>
              <span role="status" aria-label={t("instance.webhooks.stateLabel")}>
                <DeliveryState status={status} />
              </span>
            </dd>
          </div>
          <div className="credential">
            <dt>{t("instance.webhooks.queued")}</dt>
            <dd>{overview.queued}</dd>
          </div>
        </dl>
        {status.kind === "off" && <p className="muted">{t("instance.webhooks.off")}</p>}
        <div className="button-row">
          {status.kind === "paused" && (
            <ActionButton busy={busy === "resume"} onClick={onResume}>
              {t("instance.webhooks.resume")}
            </ActionButton>
          )}
          <ActionButton busy={busy === "test"} onClick={onSendTest}>
            {t("instance.webhooks.sendTest")}
          </ActionButton>
        </div>
      </div>
      <div role="status" className="status-region">
        {done?.kind === "testQueued" && (
          <p className="alert alert-success">{t("instance.webhooks.testQueued", { receiptId: done.receiptId })}</p>
        )}
        {done?.kind === "resumed" && <p className="alert alert-success">{t("instance.webhooks.resumed")}</p>}
      </div>
    </section>
  );
}

function DeliveryState({ status }: { status: WebhookOverview["status"] }) {
  const { t } = useTranslation();
  const format = useFormatMoment();
  switch (status.kind) {
    case "off":
      return t("instance.webhooks.state.off");
    case "delivering":
      return t("instance.webhooks.state.delivering");
    case "retrying":
      return t("instance.webhooks.state.retrying", {
        since: format(status.since),
        count: status.attempts,
        next: format(status.nextAttemptAt),
      });
    default:
      // Paused. The reason is the server's English text: isolated so that it keeps its own direction in Hebrew.
      return (
        <Trans
          i18nKey="instance.webhooks.state.paused"
          values={{ since: format(status.since), reason: status.reason }}
          components={{ reason: <bdi /> }}
        />
      );
  }
}

interface SecretCardProps {
  idInstance: number;
  /** The secret when shown, otherwise null. */
  secret: string | null;
  previousValidUntil: number | null;
  revealing: boolean;
  failure: FormFailure | null;
  done: Done | null;
  onToggle: () => void;
  copyValue: () => Promise<string>;
  confirmingRotate: boolean;
  onRotate: () => void;
  onConfirmRotate: () => Promise<void>;
  onCloseRotate: () => void;
}

function SecretCard(props: SecretCardProps) {
  const { t } = useTranslation();
  const format = useFormatMoment();
  const { secret, previousValidUntil, revealing, failure, done } = props;
  return (
    <section className="card console-card">
      <h2>{t("instance.webhooks.secret.title")}</h2>
      <p className="muted">{t("instance.webhooks.secret.intro")}</p>
      <FormAlert failure={failure} />
      <div className="stack">
        <dl className="credentials">
          <div className="credential">
            <dt>signingSecret</dt>
            <dd>
              <CredentialValue value={secret ?? ""} hidden={secret === null} hiddenLabel={t("instance.webhooks.secret.hidden")} />
              <span className="credential-actions">
                <button
                  type="button"
                  className="button button-secondary button-small"
                  aria-busy={revealing || undefined}
                  onClick={props.onToggle}
                >
                  {secret === null ? t("instance.webhooks.secret.show") : t("instance.webhooks.secret.hide")}
                </button>
                <CopyButton field="signingSecret" value={props.copyValue} />
              </span>
            </dd>
          </div>
        </dl>
        {previousValidUntil !== null && (
          <p className="muted">{t("instance.webhooks.secret.previousValidUntil", { time: format(previousValidUntil) })}</p>
        )}
        <div className="button-row">
          <button type="button" className="button button-secondary" aria-haspopup="dialog" onClick={props.onRotate}>
            {t("instance.webhooks.secret.rotate")}
          </button>
        </div>
      </div>
      <div role="status" className="status-region">
        {done?.kind === "rotated" && <p className="alert alert-success">{t("instance.webhooks.secret.rotated")}</p>}
      </div>
      {props.confirmingRotate && (
        <ConfirmDialog
          title={t("instance.webhooks.rotateDialog.title")}
          message={t("instance.webhooks.rotateDialog.message", { id: props.idInstance })}
          confirmLabel={t("instance.webhooks.rotateDialog.confirm")}
          onConfirm={props.onConfirmRotate}
          onClose={props.onCloseRotate}
        />
      )}
    </section>
  );
}

function AttemptsCard({ attempts }: { attempts: WebhookOverview["attempts"] }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="card console-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("instance.webhooks.attempts.title")}</h2>
      {attempts.length === 0 ? (
        <p className="muted">{t("instance.webhooks.attempts.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">{t("instance.webhooks.attempts.columns.time")}</th>
                <th scope="col">{t("instance.webhooks.attempts.columns.type")}</th>
                <th scope="col">{t("instance.webhooks.attempts.columns.outcome")}</th>
                <th scope="col">{t("instance.webhooks.attempts.columns.status")}</th>
                <th scope="col">{t("instance.webhooks.attempts.columns.latency")}</th>
                <th scope="col">{t("instance.webhooks.attempts.columns.error")}</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={`${attempt.receiptId}-${attempt.attemptedAt}`}>
                  <td>
                    <Moment ms={attempt.attemptedAt} />
                  </td>
                  <td>
                    <Code>{attempt.typeWebhook}</Code>
                  </td>
                  <td>{t(`instance.webhooks.outcomes.${attempt.outcome}`)}</td>
                  <td>{attempt.statusCode ?? "—"}</td>
                  <td>{attempt.latencyMs}</td>
                  <td>
                    <bdi>{attempt.error}</bdi>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface DeadLettersCardProps {
  deadLetters: WebhookOverview["deadLetters"];
  busy: string | null;
  failure: FormFailure | null;
  done: Done | null;
  onRedeliver: (receiptId: number) => void;
  onRedeliverAll: () => void;
}

function DeadLettersCard({ deadLetters, busy, failure, done, onRedeliver, onRedeliverAll }: DeadLettersCardProps) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="card console-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("instance.webhooks.deadLetters.title")}</h2>
      <p className="muted">{t("instance.webhooks.deadLetters.intro")}</p>
      <FormAlert failure={failure} />
      <div className="stack">
        {deadLetters.length === 0 ? (
          <p className="muted">{t("instance.webhooks.deadLetters.none")}</p>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" aria-labelledby={headingId}>
                <thead>
                  <tr>
                    <th scope="col">receiptId</th>
                    <th scope="col">webhook-id</th>
                    <th scope="col">{t("instance.webhooks.deadLetters.columns.type")}</th>
                    <th scope="col">{t("instance.webhooks.deadLetters.columns.created")}</th>
                    <th scope="col">{t("instance.webhooks.deadLetters.columns.deadAt")}</th>
                    <th scope="col">{t("instance.webhooks.deadLetters.columns.reason")}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t("instance.webhooks.deadLetters.columns.actions")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {deadLetters.map((letter) => (
                    <tr key={letter.receiptId}>
                      <th scope="row" className="cell-id">
                        {letter.receiptId}
                      </th>
                      <td>
                        <Code>{letter.webhookId}</Code>
                      </td>
                      <td>
                        <Code>{letter.typeWebhook}</Code>
                      </td>
                      <td>
                        <Moment ms={letter.createdAt} />
                      </td>
                      <td>
                        <Moment ms={letter.deadAt} />
                      </td>
                      <td>
                        <bdi>{letter.reason}</bdi>
                      </td>
                      <td>
                        <ActionButton small busy={busy === `redeliver-${letter.receiptId}`} onClick={() => onRedeliver(letter.receiptId)}>
                          {t("instance.webhooks.deadLetters.redeliver")}
                          {/* The visible word starts the accessible name ("Redeliver receiptId 12"), as voice control expects. */}
                          <span className="visually-hidden"> receiptId {letter.receiptId}</span>
                        </ActionButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="button-row">
              <ActionButton busy={busy === "redeliverAll"} onClick={onRedeliverAll}>
                {t("instance.webhooks.deadLetters.redeliverAll")}
              </ActionButton>
            </div>
          </>
        )}
      </div>
      <div role="status" className="status-region">
        {done?.kind === "redelivered" && <p className="alert alert-success">{t("instance.webhooks.deadLetters.redelivered")}</p>}
        {done?.kind === "redeliveredAll" && (
          <p className="alert alert-success">{t("instance.webhooks.deadLetters.redeliveredAll", { count: done.count })}</p>
        )}
      </div>
    </section>
  );
}

/** An identifier from the API, always left to right. */
function Code({ children }: { children: string }) {
  return <code dir="ltr">{children}</code>;
}
