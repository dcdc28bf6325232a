import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { ErrorMessage, Loaded, Notice } from '../components/status.js';
import { formatDateTime } from '../format.js';
import type { JobRuns, Schedule, SchedulePreview, Schedules } from '../types.js';
import { usePolling } from '../use-polling.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';

/** Operators: every code-defined schedule, its runtime state, and what it will do next. */
export function Schedules() {
  const schedules = useResource(() => api<Schedules>('/v1/admin/schedules'), 'schedules');
  usePolling(schedules.reload, 10_000);
  return (
    <>
      <p class="note" id="missed-note">
        <strong>Missed runs</strong> (the workers were down, or a schedule was disabled) follow each schedule’s{' '}
        <em>missed policy</em>: <code>skip</code> runs nothing for the missed slots and waits for the next one;{' '}
        <code>once</code> runs one catch-up run, however many slots were missed.
      </p>
      <Loaded resource={schedules} what="schedules">
        {({ schedules: list }) => (
          <div class="cards">
            {list.map((s) => (
              <ScheduleCard key={s.id} schedule={s} onChanged={schedules.reload} />
            ))}
          </div>
        )}
      </Loaded>
    </>
  );
}

function ScheduleCard(props: { schedule: Schedule; onChanged: () => void }) {
  const s = props.schedule;
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  // Shown at once, put back if the api refuses: a checkbox that lags behind the click is confusing.
  const [enabled, setEnabled] = useState(s.enabled);
  useEffect(() => setEnabled(s.enabled), [s.enabled]);
  const preview = useResource(
    () => api<SchedulePreview>(`/v1/admin/schedules/${encodeURIComponent(s.id)}/preview?n=10`),
    `${s.id}:${s.cron}:${s.timezone}`,
  );
  const runs = useResource(
    () => api<JobRuns>(`/v1/admin/job-runs?job=${encodeURIComponent(s.id)}&limit=5`),
    `${s.id}:${s.last_run_at ?? ''}:${s.state}`,
  );
  // Runs change on the worker's time (a queued manual run starts within its tick).
  usePolling(runs.reload, 3_000);

  const act = (what: () => Promise<string>) => {
    setNotice(undefined);
    return action.run(async () => {
      setNotice(await what());
      props.onChanged();
      runs.reload();
    });
  };
  const toggle = (wanted: boolean) => {
    setEnabled(wanted);
    return act(async () => {
      try {
        await api(`/v1/admin/schedules/${encodeURIComponent(s.id)}`, { method: 'PATCH', body: { enabled: wanted } });
      } catch (err) {
        setEnabled(!wanted);
        throw err;
      }
      return `${s.id} is now ${wanted ? 'enabled' : 'disabled'}.`;
    });
  };
  const runNow = () =>
    act(async () => {
      await api(`/v1/admin/schedules/${encodeURIComponent(s.id)}/run`, { method: 'POST' });
      return `A run of ${s.id} was queued; a worker with schedulers enabled picks it up within seconds.`;
    });

  const headingId = `schedule-${s.id}`;
  return (
    <section class="card" aria-labelledby={headingId} data-schedule={s.id}>
      <h2 id={headingId}>{s.id}</h2>
      {s.description !== null && <p class="muted">{s.description}</p>}
      <label class="check">
        <input
          type="checkbox"
          checked={enabled}
          disabled={action.busy}
          onChange={(e) => void toggle(e.currentTarget.checked)}
          aria-describedby="missed-note"
        />{' '}
        Enabled
      </label>
      <dl class="facts">
        <dt>Schedule</dt>
        <dd>
          <code>{s.cron}</code> ({s.timezone})
        </dd>
        <dt>Missed policy</dt>
        <dd>{s.missed_policy}</dd>
        <dt>State</dt>
        <dd>{s.state}</dd>
        <dt>Next run</dt>
        <dd>{formatDateTime(s.next_run_at)}</dd>
        <dt>Last run</dt>
        <dd>
          {formatDateTime(s.last_run_at)} {s.last_status !== null && <span class="muted">({s.last_status})</span>}
        </dd>
      </dl>
      <button type="button" onClick={() => void runNow()} disabled={action.busy}>
        Run {s.id} now
      </button>
      {notice !== undefined && <Notice>{notice}</Notice>}
      {action.error !== undefined && <ErrorMessage error={action.error} />}
      <details>
        <summary>Next 10 runs</summary>
        <Loaded resource={preview} what="the next runs">
          {({ runs: next }) => (
            <ol class="compact">
              {next.map((at) => (
                <li key={at}>{formatDateTime(at)}</li>
              ))}
            </ol>
          )}
        </Loaded>
      </details>
      <h3>Last runs</h3>
      <Loaded resource={runs} what="the last runs">
        {({ runs: last }) =>
          last.length === 0 ? (
            <p class="muted">No runs yet.</p>
          ) : (
            <DataTable columns={['Started', 'Trigger', 'Status']} class="compact" testId={`runs-${s.id}`}>
              {last.map((run) => (
                <tr key={run.id}>
                  <td>{formatDateTime(run.started_at ?? run.created_at)}</td>
                  <td>{run.trigger}</td>
                  <td>
                    {run.status}
                    {run.error !== null && <span class="muted"> — {run.error}</span>}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
    </section>
  );
}
