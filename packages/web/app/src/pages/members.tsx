import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ACTIONS, DataTable } from '../components/data-table.js';
import { ErrorMessage, Loaded } from '../components/status.js';
import { TextField } from '../components/text-field.js';
import { formatDateTime } from '../format.js';
import type { Invitation, Me, Member } from '../types.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';

/** Organisation admins: invite by email, change roles, deactivate. */
export function Members(props: { me: Me }) {
  const members = useResource(() => api<Member[]>('/v1/admin/members'), 'members');
  const invitations = useResource(() => api<Invitation[]>('/v1/admin/invitations'), 'invitations');
  const action = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [link, setLink] = useState<{ email: string; url: string; emailed: boolean }>();

  const invite = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const created = await api<{ invitation: Invitation; url: string; emailed: boolean }>('/v1/admin/invitations', {
        method: 'POST',
        body: { email: email.trim(), role },
      });
      setLink({ email: created.invitation.email, url: created.url, emailed: created.emailed });
      setEmail('');
      invitations.reload();
    });
  };
  const change = (work: () => Promise<unknown>) =>
    void action.run(async () => {
      await work();
      members.reload();
    });

  return (
    <>
      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <form onSubmit={invite} class="row">
          <TextField id="invite-email" label="Email" type="email" required value={email} onValue={setEmail} />
          <label for="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
          <button type="submit" class="primary" disabled={action.busy}>
            Invite
          </button>
        </form>
        {link !== undefined && (
          <div role="status" data-testid="invitation-link">
            <p>
              Invitation for <strong>{link.email}</strong>{' '}
              {link.emailed ? 'sent by email. You can also share this link' : 'created. Share this link with them'} (it
              works once, for 7 days, and only when they sign in with Google as that address; it is not shown again):
            </p>
            <p>
              <code>{link.url}</code>
            </p>
          </div>
        )}
        <Loaded resource={invitations} what="invitations">
          {(list) =>
            list.length === 0 ? null : (
              <p>Waiting for: {list.map((i) => `${i.email} (until ${formatDateTime(i.expires_at)})`).join(', ')}</p>
            )
          }
        </Loaded>
      </section>
      {action.error !== undefined && <ErrorMessage error={action.error} />}
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <Loaded resource={members} what="members">
          {(list) => (
            <DataTable columns={['Name', 'Email', 'Role', 'Status', ACTIONS]} caption="Members" bodyTestId="members">
              {list.map((m) => (
                <tr key={m.id}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={action.busy || m.id === props.me.id}
                      onChange={(e) =>
                        change(() =>
                          api(`/v1/admin/members/${m.id}`, { method: 'PATCH', body: { role: e.currentTarget.value } }),
                        )
                      }
                    >
                      <option value="member">Member</option>
                      <option value="admin">Admin</option>
                    </select>
                  </td>
                  <td>
                    {m.deactivated_at === null
                      ? m.signs_in_with_google
                        ? 'Active'
                        : 'Active (not signed in with Google yet)'
                      : `Deactivated ${formatDateTime(m.deactivated_at)}`}
                  </td>
                  <td>
                    {m.id === props.me.id ? null : m.deactivated_at === null ? (
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() => {
                          if (
                            confirm(
                              `Deactivate ${m.email}? Their sessions and tokens stop working at once and they are no longer alerted.`,
                            )
                          ) {
                            change(() => api(`/v1/admin/members/${m.id}/deactivate`, { method: 'POST' }));
                          }
                        }}
                      >
                        Deactivate {m.name}
                      </button>
                    ) : (
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() => change(() => api(`/v1/admin/members/${m.id}/reactivate`, { method: 'POST' }))}
                      >
                        Reactivate {m.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </>
  );
}
