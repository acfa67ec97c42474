import { useTranslation } from "react-i18next";
import type { InstanceDetails } from "../../../../shared/instances.schemas.js";
import { CredentialList } from "../../components/credential-list.js";
import type { InstanceToken } from "./use-instance-token.js";

/** apiUrl, mediaUrl, idInstance and apiTokenInstance, each with its Copy button; the token hidden until asked for. */
export function CredentialsSection({ instance, token }: { instance: InstanceDetails; token: InstanceToken }) {
  const { t } = useTranslation();
  return (
    <section className="card console-card">
      <h2>{t("instance.credentials.title")}</h2>
      <p className="muted">{t("instance.credentials.intro")}</p>
      <CredentialList
        plain={[
          { name: "apiUrl", value: instance.apiUrl },
          { name: "mediaUrl", value: instance.mediaUrl },
          { name: "idInstance", value: String(instance.idInstance) },
        ]}
        secret={{ name: "apiTokenInstance", token }}
      />
    </section>
  );
}
