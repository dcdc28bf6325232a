import { useCallback, useState } from 'preact/hooks';

export interface Action {
  busy: boolean;
  error: Error | undefined;
  /** Runs `work` once at a time, remembering its failure for the page to show; resolves with its result or undefined. */
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

/** What every button that calls the api needs: a busy flag to disable it and the last error to announce. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await work();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
