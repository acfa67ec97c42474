import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { InstanceDetails } from "../../../../shared/instances.schemas.js";
import { deleteInstance, logoutInstance, rebootInstance, regenerateInstanceToken } from "../../api/instances.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import type { InstancesLocationState } from "../console/instances-page.js";
import { INSTANCES_PATH } from "./paths.js";
import type { InstanceToken } from "./use-instance-token.js";
import { ActionButton } from "../../components/action-button.js";

type Done = "rebooted" | "loggedOut" | "regenerated";
type Busy = "reboot" | "logout" | null;

interface InstanceActionsProps {
  instance: InstanceDetails;
  token: InstanceToken;
  onChanged: (instance: InstanceDetails) => void;
}

/** Reboot, Logout, Regenerate token and Delete; the last two ask first. */
export function InstanceActions({ instance, token, onChanged }: InstanceActionsProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { idInstance } = instance;
  const [busy, setBusy] = useState<Busy>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [confirming, setConfirming] = useState<"regenerate" | "delete" | null>(null);

  async function run(action: Exclude<Busy, null>) {
    if (busy) return;
    setBusy(action);
    setDone(null);
    setFailure(null);
    try {
      onChanged(await (action === "reboot" ? rebootInstance(idInstance) : logoutInstance(idInstance)));
      setDone(action === "reboot" ? "rebooted" : "loggedOut");
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(null);
    }
  }

  async function regenerate() {
    token.replace(await regenerateInstanceToken(idInstance));
    setDone("regenerated");
  }

  async function remove() {
    await deleteInstance(idInstance);
    const state: InstancesLocationState = { deleted: idInstance };
    navigate(INSTANCES_PATH, { state });
  }

  return (
    <section className="card console-card">
      <h2>{t("instance.actions.title")}</h2>
      <FormAlert failure={failure} />
      <div className="button-row">
        <ActionButton busy={busy === "reboot"} onClick={() => void run("reboot")}>
          {t("instance.actions.reboot")}
        </ActionButton>
        <ActionButton busy={busy === "logout"} onClick={() => void run("logout")}>
          {t("instance.actions.logout")}
        </ActionButton>
        <ActionButton opensDialog onClick={() => setConfirming("regenerate")}>
          {t("instance.actions.regenerate")}
        </ActionButton>
        <ActionButton opensDialog danger onClick={() => setConfirming("delete")}>
          {t("instance.actions.delete")}
        </ActionButton>
      </div>
      <div role="status" className="status-region">
        {done && <p className="alert alert-success">{t(`instance.actions.${done}`)}</p>}
      </div>
      {confirming === "regenerate" && (
        <ConfirmDialog
          title={t("instance.regenerateDialog.title")}
          message={t("instance.regenerateDialog.message", { id: idInstance })}
          confirmLabel={t("instance.regenerateDialog.confirm")}
          onConfirm={regenerate}
          onClose={() => setConfirming(null)}
        />
      )}
      {confirming === "delete" && (
        <ConfirmDialog
          title={t("instance.deleteDialog.title")}
          message={t("instance.deleteDialog.message", { id: idInstance })}
          confirmLabel={t("instance.deleteDialog.confirm")}
          onConfirm={remove}
          onClose={() => setConfirming(null)}
        />
      )}
    </section>
  );
}
