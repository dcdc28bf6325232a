import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { StateBadge } from '../components/state-badge.js';
import { Loaded } from '../components/status.js';
import { formatDateTime, relative } from '../format.js';
import type { Meeting } from '../types.js';
import { usePolling } from '../use-polling.js';
import { useResource } from '../use-resource.js';

const DAY = 86_400_000;

/** Upcoming meetings with the state of their alert; the list refreshes itself so a sync shows up without a reload. */
export function Meetings() {
  const [days, setDays] = useState(7);
  const meetings = useResource(() => {
    const from = new Date(Date.now() - 60 * 60_000).toISOString();
    const to = new Date(Date.now() + days * DAY).toISOString();
    return api<Meeting[]>(`/v1/meetings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  }, String(days));
  usePolling(meetings.reload, 10_000);

  return (
    <>
      <div class="toolbar">
        <label for="days">Show the next</label>
        <select id="days" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value="1">1 day</option>
          <option value="3">3 days</option>
          <option value="7">7 days</option>
          <option value="14">14 days</option>
        </select>
        <button type="button" onClick={meetings.reload}>
          Refresh
        </button>
      </div>
      <Loaded resource={meetings} what="meetings">
        {(list) =>
          list.length === 0 ? (
            <p>
              No meetings in this period. Connect a calendar under “Calendar &amp; devices”; new meetings appear after
              the next sync (every minute).
            </p>
          ) : (
            <DataTable columns={['Starts', 'Meeting', 'Alert']} caption="Meetings and their alerts">
              {list.map((m) => (
                <tr key={m.id} class={m.status === 'cancelled' ? 'cancelled' : undefined}>
                  <td>
                    {formatDateTime(m.starts_at)} <span class="muted">({relative(m.starts_at)})</span>
                  </td>
                  <td>
                    {m.title}
                    {m.status === 'cancelled' && <span class="muted"> (cancelled)</span>}
                  </td>
                  <td>
                    {m.alert_id === null ? (
                      <StateBadge state={null} />
                    ) : (
                      <Link to={`/alerts/${m.alert_id}`}>
                        <StateBadge state={m.alert_state} />
                        <span class="visually-hidden"> — open the alert for {m.title}</span>
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
    </>
  );
}
