import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { StateBadge } from '../components/state-badge.js';
import { ErrorMessage, Loaded, Notice } from '../components/status.js';
import { formatDateTime, formatTime } from '../format.js';
import type { Alert } from '../types.js';
import { usePolling } from '../use-polling.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';

const OPEN_STATES = new Set(['scheduled', 'notified', 'escalated']);

/** One alert: its meeting, its state, its timeline, and the Acknowledge button while it is open. */
export function AlertPage(props: { id: string }) {
  const alert = useResource(() => api<Alert>(`/v1/alerts/${encodeURIComponent(props.id)}`), props.id);
  usePolling(alert.reload, 5_000);
  const ack = useAction();
  const [acked, setAcked] = useState(false);

  const acknowledge = () =>
    ack.run(async () => {
      await api(`/v1/alerts/${encodeURIComponent(props.id)}/ack`, { method: 'POST', body: { via: 'web' } });
      setAcked(true);
      alert.reload();
    });

  return (
    <Loaded resource={alert} what="the alert">
      {(a) => (
        <>
          <h2>{a.title}</h2>
          <dl class="facts">
            <dt>Meeting starts</dt>
            <dd>{formatDateTime(a.starts_at)}</dd>
            <dt>Alert due</dt>
            <dd>{formatDateTime(a.due_at)}</dd>
            <dt>Call if not acknowledged by</dt>
            <dd>{formatDateTime(a.escalate_at)}</dd>
            <dt>State</dt>
            <dd>
              <StateBadge state={a.state} />
              {a.acknowledged_via !== null && <span class="muted"> via {a.acknowledged_via}</span>}
            </dd>
          </dl>
          {OPEN_STATES.has(a.state) && (
            <button type="button" class="primary" onClick={() => void acknowledge()} disabled={ack.busy}>
              {ack.busy ? 'Acknowledging…' : 'Acknowledge'}
            </button>
          )}
          {acked && <Notice>Acknowledged. No call will be placed for this meeting.</Notice>}
          {ack.error !== undefined && <ErrorMessage error={ack.error} />}
          <h2>Timeline</h2>
          <ol class="timeline">
            {a.timeline.map((event, i) => (
              <li key={i}>
                <time dateTime={event.at}>{formatTime(event.at)}</time> <strong>{event.kind}</strong>
                {Object.keys(event.detail).length > 0 && <span class="muted"> {describe(event.detail)}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </Loaded>
  );
}

function describe(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(
      ([key, value]) =>
        `${key.replaceAll('_', ' ')}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    .join(', ');
}
