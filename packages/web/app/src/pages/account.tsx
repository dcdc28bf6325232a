import { api } from '../api.js';
import { ACTIONS, DataTable } from '../components/data-table.js';
import { ErrorMessage, Loaded } from '../components/status.js';
import { formatDateTime } from '../format.js';
import type { BrowserSession } from '../types.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';

/** The person's browser sessions (Sign in with Google), each one ended on its own or all at once. */
export function Account() {
  const sessions = useResource(() => api<BrowserSession[]>('/v1/me/sessions'), 'sessions');
  const action = useAction();
  const end = (id: string) =>
    void action.run(async () => {
      await api(`/v1/me/sessions/${id}`, { method: 'DELETE' });
      sessions.reload();
    });
  const everywhere = () =>
    void action.run(async () => {
      await api('/v1/auth/sign-out-everywhere', { method: 'POST' });
      location.assign('/app/');
    });
  return (
    <Loaded resource={sessions} what="sessions">
      {(list) => (
        <>
          {list.length === 0 ? (
            <p>No browser is signed in with Google. (API tokens are not sessions.)</p>
          ) : (
            <DataTable
              columns={['Browser', 'Signed in', 'Last used', 'Ends if unused', ACTIONS]}
              caption="Sessions"
              bodyTestId="sessions"
            >
              {list.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.user_agent ?? 'Unknown browser'}
                    {s.current && <strong> (this browser)</strong>}
                  </td>
                  <td>{formatDateTime(s.created_at)}</td>
                  <td>{formatDateTime(s.last_seen_at)}</td>
                  <td>{formatDateTime(s.expires_at)}</td>
                  <td>
                    {!s.current && (
                      <button type="button" disabled={action.busy} onClick={() => end(s.id)}>
                        Sign out this session
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          {action.error !== undefined && <ErrorMessage error={action.error} />}
          <p>
            <button type="button" class="primary" disabled={action.busy} onClick={everywhere}>
              Sign out everywhere
            </button>
          </p>
        </>
      )}
    </Loaded>
  );
}
