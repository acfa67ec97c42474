import { useCallback, useState } from "react";
import { getInstanceToken } from "../../api/instances.js";

export interface InstanceToken {
  /** The token once fetched, otherwise null: it is fetched only when someone needs it. */
  value: string | null;
  /** The token, fetched on first use. */
  load: () => Promise<string>;
  /** After regeneration. */
  replace: (token: string) => void;
}

export function useInstanceToken(idInstance: number): InstanceToken {
  const [value, setValue] = useState<string | null>(null);
  const load = useCallback(async () => {
    if (value !== null) return value;
    const token = await getInstanceToken(idInstance);
    setValue(token);
    return token;
  }, [idInstance, value]);
  return { value, load, replace: setValue };
}
