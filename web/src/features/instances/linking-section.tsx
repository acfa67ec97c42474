import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { InstanceQrResponse } from "../../../../shared/instances.schemas.js";
import { getInstanceQr } from "../../api/instances.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePolling } from "../../components/use-polling.js";
import { PairingCodeForm } from "./pairing-code-form.js";

/** How often the QR code is fetched again while the instance waits for a phone. */
const QR_REFRESH_MS = 2000;

/** Shown while the instance is not authorized: the refreshing QR code, its link, and linking by phone number. */
export function LinkingSection({ idInstance, onLinked }: { idInstance: number; onLinked: () => void }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState<InstanceQrResponse | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const linked = qr?.type === "alreadyLogged";

  usePolling(
    async () => {
      try {
        const answer = await getInstanceQr(idInstance);
        setQr(answer);
        setFailure(null);
        if (answer.type === "alreadyLogged") onLinked();
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    QR_REFRESH_MS,
    !linked,
  );

  return (
    <section className="card console-card">
      <h2>{t("instance.linking.title")}</h2>
      <div className="linking">
        <div className="linking-qr">
          <h3>{t("instance.linking.byQr")}</h3>
          <p className="muted">{t("instance.linking.qrIntro")}</p>
          <FormAlert failure={failure} />
          {qr === null ? (
            failure ? null : (
              <LoadingStatus />
            )
          ) : qr.type === "qrCode" ? (
            <figure className="qr">
              <img src={`data:image/png;base64,${qr.message}`} alt={t("instance.linking.qrAlt")} width="240" height="240" />
              {qr.link && (
                <figcaption>
                  <a href={qr.link}>{t("instance.linking.openLink")}</a>
                </figcaption>
              )}
            </figure>
          ) : qr.type === "alreadyLogged" ? (
            <p role="status">{t("instance.linking.linked")}</p>
          ) : (
            // The server's text is English; the only error it gives here is "starting".
            <p className="alert alert-warning">{t("instance.linking.starting")}</p>
          )}
        </div>
        <div className="linking-phone">
          <h3>{t("instance.linking.byPhone")}</h3>
          <p className="muted">{t("instance.linking.phoneIntro")}</p>
          <PairingCodeForm idInstance={idInstance} />
        </div>
      </div>
    </section>
  );
}
