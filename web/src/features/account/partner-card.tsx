import { useId, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import type { PartnerView } from "../../../../shared/accounts.schemas.js";
import { getPartnerToken, getPartnerView, issuePartnerToken } from "../../api/console.js";
import { ActionButton } from "../../components/action-button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { CredentialList } from "../../components/credential-list.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { useOnDemandToken } from "../../components/use-on-demand-token.js";
import { usePolling } from "../../components/use-polling.js";

/** Where a partner method is called, in the names the credentials below go by; the same in every language. */
const PARTNER_ADDRESS = "{partnerApiUrl}/partner/{method}/{partnerToken}";

/** While loading the card fails, it is tried again this often. */
const RETRY_MS = 5000;

type Issued = "created" | "regenerated";

/**
 * The partner API, with which a program manages the account's instances: its address, the
 * partner token (hidden until asked for), and creating the token or regenerating it.
 */
export function PartnerCard() {
  const { t } = useTranslation();
  const headingId = useId();
  const [view, setView] = useState<PartnerView | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const token = useOnDemandToken(getPartnerToken);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<Issued | null>(null);
  /** How many tokens were issued on this page: the credential list starts anew with each, showing it. */
  const [issuedCount, setIssuedCount] = useState(0);

  usePolling(
    async () => {
      try {
        setView(await getPartnerView());
        setFailure(null);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    RETRY_MS,
    view === null,
  );

  async function issue(outcome: Issued) {
    token.replace(await issuePartnerToken(outcome === "created" ? "create" : "rotate"));
    setView((previous) => previous && { ...previous, hasToken: true });
    setIssuedCount((count) => count + 1);
    setDone(outcome);
  }

  async function create() {
    if (creating) return;
    setCreating(true);
    setFailure(null);
    setDone(null);
    try {
      await issue("created");
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setCreating(false);
    }
  }

  function askToRegenerate() {
    setDone(null);
    setConfirming(true);
  }

  return (
    <section className="card console-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("account.partner.title")}</h2>
      <p className="muted">{t("account.partner.intro")}</p>
      <p className="partner-usage">
        <Trans i18nKey="account.partner.usage" values={{ address: PARTNER_ADDRESS }} components={{ code: <code dir="ltr" /> }} />
      </p>
      <FormAlert failure={failure} />
      {view === null ? (
        failure ? null : (
          <LoadingStatus />
        )
      ) : (
        <>
          <CredentialList
            key={issuedCount}
            initiallyShown={issuedCount > 0}
            plain={[{ name: "partnerApiUrl", value: view.partnerApiUrl }]}
            secret={view.hasToken ? { name: "partnerToken", token } : undefined}
          />
          {!view.hasToken && <p className="muted partner-none">{t("account.partner.none")}</p>}
          <div className="button-row partner-actions">
            {/* One button that changes its action, so that the focus stays on it once the token is created. */}
            <ActionButton busy={creating} opensDialog={view.hasToken} onClick={view.hasToken ? askToRegenerate : () => void create()}>
              {view.hasToken ? t("account.partner.regenerate") : t("account.partner.create")}
            </ActionButton>
          </div>
        </>
      )}
      <div role="status" className="status-region">
        {done && <p className="alert alert-success">{t(`account.partner.${done}`)}</p>}
      </div>
      {confirming && (
        <ConfirmDialog
          title={t("account.partner.regenerateDialog.title")}
          message={t("account.partner.regenerateDialog.message")}
          confirmLabel={t("account.partner.regenerateDialog.confirm")}
          onConfirm={() => issue("regenerated")}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
