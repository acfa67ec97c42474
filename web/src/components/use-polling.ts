import { useCallback, useEffect, useEffectEvent, useRef } from "react";

/**
 * Runs `callback` at once, then again `intervalMs` after each run has finished, for as long as
 * `enabled` is true and the page is visible (a hidden tab resumes when shown again). Runs never
 * overlap. The callback handles its own errors; one that throws is simply retried on the next run.
 * Returns a function that runs the callback now and restarts the wait, e.g. after a change.
 */
export function usePolling(callback: () => Promise<void> | void, intervalMs: number, enabled: boolean): () => void {
  const run = useEffectEvent(callback);
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let running = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function tick() {
      clearTimeout(timer);
      timer = undefined;
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      if (document.visibilityState === "hidden") return;
      running = true;
      try {
        await run();
      } catch {
        // The callback reports what matters; polling just tries again.
      } finally {
        running = false;
      }
      if (stopped) return;
      if (again) {
        again = false;
        void tick();
      } else {
        timer = setTimeout(() => void tick(), intervalMs);
      }
    }

    function onVisibilityChange() {
      if (document.visibilityState === "visible" && !running && timer === undefined) void tick();
    }

    refreshRef.current = () => void tick();
    document.addEventListener("visibilitychange", onVisibilityChange);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      refreshRef.current = () => undefined;
      document.removeEventListener("visibilitychange", onVisibilityChange);
    };
  }, [enabled, intervalMs]);

  return useCallback(() => refreshRef.current(), []);
}
