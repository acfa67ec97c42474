import { useRef, useState } from "react";
import { flushSync } from "react-dom";
import { useTranslation } from "react-i18next";
import { useLocation } from "react-router";
import type { InstanceSummary } from "../../../../shared/instances.schemas.js";
import { listInstances } from "../../api/instances.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePageTitle } from "../../components/page-title.js";
import { usePolling } from "../../components/use-polling.js";
import { CreateInstanceForm } from "../instances/create-instance-form.js";
import { InstanceTable } from "../instances/instance-table.js";

/** What the instance page leaves in the history entry after deleting an instance. */
export interface InstancesLocationState {
  deleted?: number;
}

export function InstancesPage() {
  const { t } = useTranslation();
  usePageTitle(t("console.instances.title"));
  const location = useLocation();
  const deleted = (location.state as InstancesLocationState | null)?.deleted;
  const [instances, setInstances] = useState<InstanceSummary[] | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [creating, setCreating] = useState(false);
  const createButton = useRef<HTMLButtonElement>(null);

  // States change while phones are linked elsewhere, so the list keeps itself current.
  usePolling(
    async () => {
      try {
        setInstances(await listInstances());
        setFailure(null);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    5000,
    true,
  );

  function closeForm() {
    flushSync(() => setCreating(false));
    createButton.current?.focus();
  }

  return (
    <section className="console-section instances-page">
      <div className="section-head">
        <h1>{t("console.instances.title")}</h1>
        {!creating && (
          <button ref={createButton} type="button" className="button button-primary" onClick={() => setCreating(true)}>
            <PlusIcon />
            {t("console.instances.create")}
          </button>
        )}
      </div>
      <div role="status" className="status-region">
        {deleted !== undefined && <p className="alert alert-success">{t("console.instances.deleted", { id: deleted })}</p>}
      </div>
      {creating && <CreateInstanceForm onCancel={closeForm} />}
      <FormAlert failure={failure} />
      {instances === null ? (
        failure ? null : (
          <LoadingStatus />
        )
      ) : instances.length === 0 ? (
        <div className="card empty-state">
          <EmptyIcon />
          <p className="empty-state-title">{t("console.instances.empty")}</p>
          <p className="muted">{t("console.instances.emptyHint")}</p>
        </div>
      ) : (
        <InstanceTable instances={instances} />
      )}
    </section>
  );
}

function PlusIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d="M12 5v14M5 12h14" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
    </svg>
  );
}

function EmptyIcon() {
  return (
    <svg className="empty-state-icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false">
      <rect x="6" y="10" width="36" height="28" rx="6" fill="none" stroke="currentColor" strokeWidth="2.5" />
      <path d="M6 20h36" stroke="currentColor" strokeWidth="2.5" />
      <circle cx="12" cy="15" r="1.6" fill="currentColor" />
      <circle cx="17" cy="15" r="1.6" fill="currentColor" />
    </svg>
  );
}
