import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { SandboxPhone } from "../../../../shared/sandbox.schemas.js";
import { unlinkInstance } from "../../api/sandbox.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";

/** The instances linked to this phone, each with Unlink. */
export function LinkedInstances({ phone, onChanged }: { phone: SandboxPhone; onChanged: (phone: SandboxPhone) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<number | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function unlink(idInstance: number) {
    if (busy !== null) return;
    setBusy(idInstance);
    setFailure(null);
    try {
      onChanged(await unlinkInstance(phone.number, idInstance));
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(null);
    }
  }

  if (phone.linkedInstances.length === 0) {
    return <p className="muted">{t("sandbox.linkedInstances.none")}</p>;
  }
  return (
    <>
      <FormAlert failure={failure} />
      <ul className="linked-list">
        {phone.linkedInstances.map((instance) => {
          const labelId = `linked-${phone.number}-${instance.idInstance}`;
          return (
            <li key={instance.idInstance}>
              <span id={labelId}>
                <span className="linked-id" dir="ltr">
                  {instance.idInstance}
                </span>{" "}
                <bdi className="muted">{instance.name}</bdi>
              </span>
              <button
                type="button"
                className="button button-secondary button-small"
                aria-describedby={labelId}
                aria-busy={busy === instance.idInstance || undefined}
                onClick={() => void unlink(instance.idInstance)}
              >
                {t("sandbox.linkedInstances.unlink")}
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
}
