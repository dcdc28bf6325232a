import { api } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Loaded } from '../components/status.js';
import { formatDateTime, relative } from '../format.js';
import type { Instances } from '../types.js';
import { usePolling } from '../use-polling.js';
import { useResource } from '../use-resource.js';

/** Operators: every process that wrote a heartbeat; the api marks the ones silent too long as stale. */
export function Instances() {
  const instances = useResource(() => api<Instances>('/v1/admin/instances'), 'instances');
  usePolling(instances.reload, 15_000);
  return (
    <Loaded resource={instances} what="instances">
      {({ instances: list }) => {
        const schedulers = list.filter((i) => i.schedulers_enabled && !i.stale).length;
        return (
          <>
            <p>
              {list.length} instance{list.length === 1 ? '' : 's'}, {schedulers} live with schedulers enabled
              {schedulers === 0 && (
                <strong class="warning"> — no schedules run until a worker with ENABLE_SCHEDULERS=true is up</strong>
              )}
              .
            </p>
            <DataTable
              columns={['Role', 'Instance', 'Version', 'Schedulers', 'Started', 'Last heartbeat']}
              caption="Instances"
            >
              {list.map((i) => (
                <tr key={i.instance_id} class={i.stale ? 'stale' : undefined}>
                  <td>{i.role}</td>
                  <td>
                    <code>{i.instance_id}</code>
                  </td>
                  <td>{i.version}</td>
                  <td>{i.schedulers_enabled ? 'enabled' : 'off'}</td>
                  <td>{formatDateTime(i.started_at)}</td>
                  <td>
                    {formatDateTime(i.last_beat_at)} ({relative(i.last_beat_at)})
                    {i.stale && <strong class="stale-label"> stale</strong>}
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        );
      }}
    </Loaded>
  );
}
