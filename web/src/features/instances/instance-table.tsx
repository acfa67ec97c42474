import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { InstanceSummary } from "../../../../shared/instances.schemas.js";
import { formatDateTime } from "../../components/format-date.js";
import { InstanceStateBadge } from "./instance-state.js";
import { instancePath } from "./paths.js";

export function InstanceTable({ instances }: { instances: readonly InstanceSummary[] }) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className="table">
        <caption>{t("console.instances.tableLabel")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("console.instances.columns.idInstance")}</th>
            <th scope="col">{t("console.instances.columns.name")}</th>
            <th scope="col">{t("console.instances.columns.state")}</th>
            <th scope="col">{t("console.instances.columns.created")}</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((instance) => (
            <tr key={instance.idInstance}>
              <th scope="row" className="cell-id">
                <Link to={instancePath(instance.idInstance)}>{instance.idInstance}</Link>
              </th>
              <td>
                <bdi>{instance.name}</bdi>
              </td>
              <td>
                <InstanceStateBadge state={instance.stateInstance} />
              </td>
              <td>
                <time dateTime={instance.createdAt}>{formatDateTime(instance.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
