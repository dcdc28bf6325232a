import type { AlertState } from '../types.js';

/** The state in words, with colour only as a second cue. */
export function StateBadge(props: { state: AlertState | null }) {
  const state = props.state ?? 'none';
  return <span class={`badge badge-${state}`}>{props.state === null ? 'no alert' : props.state}</span>;
}
