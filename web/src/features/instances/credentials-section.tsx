import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { InstanceDetails } from "../../../../shared/instances.schemas.js";
import { CopyButton } from "../../components/copy-button.js";
import { CredentialValue } from "../../components/credential-value.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import type { InstanceToken } from "./use-instance-token.js";

/** apiUrl, mediaUrl, idInstance and apiTokenInstance, each with its Copy button; the token hidden until asked for. */
export function CredentialsSection({ instance, token }: { instance: InstanceDetails; token: InstanceToken }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function toggle() {
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

  const rows: { name: string; value: string; copy: string | (() => Promise<string>); secret?: boolean }[] = [
    { name: "apiUrl", value: instance.apiUrl, copy: instance.apiUrl },
    { name: "mediaUrl", value: instance.mediaUrl, copy: instance.mediaUrl },
    { name: "idInstance", value: String(instance.idInstance), copy: String(instance.idInstance) },
    { name: "apiTokenInstance", value: shown ? (token.value ?? "") : "", copy: token.load, secret: true },
  ];

  return (
    <section className="card console-card">
      <h2>{t("instance.credentials.title")}</h2>
      <p className="muted">{t("instance.credentials.intro")}</p>
      <FormAlert failure={failure} />
      <dl className="credentials">
        {rows.map((row) => (
          <div key={row.name} className="credential">
            <dt>{row.name}</dt>
            <dd>
              <CredentialValue
                value={row.value}
                hidden={Boolean(row.secret) && (!shown || token.value === null)}
                hiddenLabel={t("instance.credentials.hidden")}
              />
              <span className="credential-actions">
                {row.secret && (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-busy={busy || undefined}
                    onClick={() => void toggle()}
                  >
                    {shown ? t("instance.credentials.hide") : t("instance.credentials.show")}
                  </button>
                )}
                <CopyButton field={row.name} value={row.copy} />
              </span>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
