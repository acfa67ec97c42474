import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import type { InstanceDetails } from "../../../../shared/instances.schemas.js";
import { ApiError } from "../../api/client.js";
import { getInstance } from "../../api/instances.js";
import { FormAlert, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { usePageTitle } from "../../components/page-title.js";
import { TabList, TabPanel, tabId } from "../../components/tabs.js";
import { usePolling } from "../../components/use-polling.js";
import { ApiConsole } from "./api-console.js";
import { CredentialsSection } from "./credentials-section.js";
import { InstanceActions } from "./instance-actions.js";
import { InstanceStateBadge } from "./instance-state.js";
import { LinkingSection } from "./linking-section.js";
import { INSTANCES_PATH } from "./paths.js";
import { SettingsForm } from "./settings-form.js";
import { useInstanceToken } from "./use-instance-token.js";
import { WebhooksSection } from "./webhooks-section.js";

/** The instance's state is fetched this often while its page is open. */
const STATE_REFRESH_MS = 2000;

const TABS = ["overview", "settings", "webhooks", "api"] as const;
type Tab = (typeof TABS)[number];

function isTab(value: string | null): value is Tab {
  return (TABS as readonly (string | null)[]).includes(value);
}

/** /console/instances/:idInstance */
export function InstancePage() {
  const { idInstance } = useParams();
  if (!idInstance || !/^\d{1,15}$/.test(idInstance)) return <InstanceNotFound />;
  // A new instance, a new page: nothing of the previous one's state or polling carries over.
  return <InstanceView key={idInstance} idInstance={Number(idInstance)} />;
}

function InstanceView({ idInstance }: { idInstance: number }) {
  const { t } = useTranslation();
  const [instance, setInstance] = useState<InstanceDetails | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const token = useInstanceToken(idInstance);
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get("tab");
  const tab: Tab = isTab(requested) ? requested : "overview";
  usePageTitle(instance ? instance.name : undefined);

  const refresh = usePolling(
    async () => {
      try {
        setInstance(await getInstance(idInstance));
        setFailure(null);
      } catch (error) {
        if (error instanceof ApiError && error.code === "not_found") setNotFound(true);
        else setFailure(toFormFailure(error));
      }
    },
    STATE_REFRESH_MS,
    !notFound,
  );

  if (notFound) return <InstanceNotFound />;
  if (!instance) return failure ? <FormAlert failure={failure} /> : <LoadingStatus />;

  function selectTab(next: Tab) {
    setSearchParams(
      (previous) => {
        const params = new URLSearchParams(previous);
        if (next === "overview") params.delete("tab");
        else params.set("tab", next);
        return params;
      },
      { replace: true },
    );
  }

  const linking = instance.stateInstance === "notAuthorized" || instance.stateInstance === "starting";
  const prefix = `instance-${idInstance}`;

  /** The button that asked for it leaves with its tab, so the focus goes to the Settings tab itself. */
  function openSettings() {
    selectTab("settings");
    document.getElementById(tabId(prefix, "settings"))?.focus();
  }

  return (
    <div className="console-section instance-page">
      <div className="instance-head">
        <div>
          <h1>
            <bdi>{instance.name}</bdi>
          </h1>
          <p className="instance-id">
            <span className="muted">idInstance</span> <span dir="ltr">{instance.idInstance}</span>
          </p>
        </div>
        <p className="instance-state" role="status">
          <span className="muted">{t("instance.state")}</span> <InstanceStateBadge state={instance.stateInstance} />
        </p>
      </div>
      <FormAlert failure={failure} />
      <TabList
        label={t("instance.tabs.label")}
        idPrefix={prefix}
        tabs={TABS.map((id) => ({ id, label: t(`instance.tabs.${id}`) }))}
        selected={tab}
        onSelect={selectTab}
      />
      <TabPanel idPrefix={prefix} id={tab}>
        {tab === "overview" && (
          <div className="stack">
            <CredentialsSection instance={instance} token={token} />
            {linking && <LinkingSection idInstance={idInstance} onLinked={refresh} />}
            <InstanceActions instance={instance} token={token} onChanged={setInstance} />
          </div>
        )}
        {tab === "settings" && <SettingsForm idInstance={idInstance} onSaved={refresh} />}
        {tab === "webhooks" && <WebhooksSection idInstance={idInstance} onOpenSettings={openSettings} />}
        {tab === "api" && <ApiConsole instance={instance} token={token} />}
      </TabPanel>
    </div>
  );
}

function InstanceNotFound() {
  const { t } = useTranslation();
  usePageTitle(t("instance.notFound.title"));
  return (
    <section className="not-found">
      <h1>{t("instance.notFound.title")}</h1>
      <p className="muted">{t("instance.notFound.text")}</p>
      <p>
        <Link to={INSTANCES_PATH}>{t("instance.notFound.back")}</Link>
      </p>
    </section>
  );
}
