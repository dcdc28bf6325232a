import type { ComponentChildren } from 'preact';
import type { Resource } from '../use-resource.js';

/** Loading and error states announced to screen readers; children render once data is there. */
export function Loaded<T>(props: { resource: Resource<T>; what: string; children: (data: T) => ComponentChildren }) {
  const { data, error, loading } = props.resource;
  if (error !== undefined) return <ErrorMessage error={error} />;
  if (data === undefined) return <p role="status">{loading ? `Loading ${props.what}…` : ''}</p>;
  return <>{props.children(data)}</>;
}

export function ErrorMessage(props: { error: Error | string }) {
  return (
    <p class="error" role="alert">
      {typeof props.error === 'string' ? props.error : props.error.message}
    </p>
  );
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {props.children}
    </p>
  );
}
