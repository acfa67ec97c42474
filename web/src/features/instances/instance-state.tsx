import { useTranslation } from "react-i18next";
import type { InstanceState } from "../../../../shared/green-api.js";

/** The instance's state as a coloured badge with its translated name. */
export function InstanceStateBadge({ state }: { state: InstanceState }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${state}`}>{t(`instanceStates.${state}`)}</span>;
}
