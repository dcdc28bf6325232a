import { useEffect } from 'preact/hooks';

/** Calls `reload` every `everyMs` (0: not at all) while the tab is visible: the worker changes states in the background. */
export function usePolling(reload: () => void, everyMs: number): void {
  useEffect(() => {
    if (everyMs <= 0) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
}
