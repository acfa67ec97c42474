import { useCallback } from "react";
import { getInstanceToken } from "../../api/instances.js";
import { useOnDemandToken } from "../../components/use-on-demand-token.js";
import type { OnDemandToken } from "../../components/use-on-demand-token.js";

export type InstanceToken = OnDemandToken;

export function useInstanceToken(idInstance: number): InstanceToken {
  return useOnDemandToken(useCallback(() => getInstanceToken(idInstance), [idInstance]));
}
