import { useState } from "react";
import { useTranslation } from "react-i18next";
import { CopyButton } from "./copy-button.js";
import { CredentialValue } from "./credential-value.js";
import { FormAlert, toFormFailure } from "./form.js";
import type { FormFailure } from "./form.js";
import type { OnDemandToken } from "./use-on-demand-token.js";

interface CredentialListProps {
  /** Shown as they are, under their API names. */
  plain: { name: string; value: string }[];
  /** The token, last: masked until Show, and fetched from the server only for Show or Copy. */
  secret?: { name: string; token: OnDemandToken } | undefined;
  /** Opens on the token rather than its mask: for a token just issued, which the person came to see. */
  initiallyShown?: boolean;
}

/** Credentials under their API names, each with its Copy button; the token hidden until asked for. */
export function CredentialList({ plain, secret, initiallyShown = false }: CredentialListProps) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(initiallyShown);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function toggle(token: OnDemandToken) {
    if (shown) {
      setShown(false);
      return;
    }
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await token.load();
      setShown(true);
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(false);
    }
  }

  const rows: { name: string; value: string; copy: string | (() => Promise<string>); token?: OnDemandToken }[] = plain.map((row) => ({
    ...row,
    copy: row.value,
  }));
  if (secret) {
    rows.push({ name: secret.name, value: shown ? (secret.token.value ?? "") : "", copy: secret.token.load, token: secret.token });
  }

  return (
    <>
      <FormAlert failure={failure} />
      <dl className="credentials">
        {rows.map(({ name, value, copy, token }) => (
          <div key={name} className="credential">
            <dt>{name}</dt>
            <dd>
              <CredentialValue
                value={value}
                hidden={token !== undefined && (!shown || token.value === null)}
                hiddenLabel={t("credential.hidden")}
              />
              <span className="credential-actions">
                {token && (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-busy={busy || undefined}
                    onClick={() => void toggle(token)}
                  >
                    {shown ? t("credential.hide") : t("credential.show")}
                  </button>
                )}
                <CopyButton field={name} value={copy} />
              </span>
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}
