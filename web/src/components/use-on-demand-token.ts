import { useCallback, useState } from "react";

/** A secret token the server reveals only when asked, such as an instance's or the partner token. */
export interface OnDemandToken {
  /** The token once fetched, otherwise null: it is fetched only when someone needs it. */
  value: string | null;
  /** The token, fetched on first use. */
  load: () => Promise<string>;
  /** After regeneration. */
  replace: (token: string) => void;
}

/** `fetchToken` asks the server for the token; keep it stable (useCallback), as it is a dependency of `load`. */
export function useOnDemandToken(fetchToken: () => Promise<string>): OnDemandToken {
  const [value, setValue] = useState<string | null>(null);
  const load = useCallback(async () => {
    if (value !== null) return value;
    const token = await fetchToken();
    setValue(token);
    return token;
  }, [fetchToken, value]);
  return { value, load, replace: setValue };
}
