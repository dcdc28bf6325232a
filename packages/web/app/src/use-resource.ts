import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads once per change of `key`; `reload` fetches again after a change the page made. */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  // `load` is a new closure on every render; `key` says when it means something new, so the
  // effect reads the latest closure through a ref instead of depending on it.
  const latestLoadRef = useRef(load);
  useEffect(() => {
    latestLoadRef.current = load;
  });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    latestLoadRef.current().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) =>
        current && setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
