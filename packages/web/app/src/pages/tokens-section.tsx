import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ACTIONS, DataTable } from '../components/data-table.js';
import { ErrorMessage, Loaded } from '../components/status.js';
import { TextField } from '../components/text-field.js';
import type { AccessToken, IssuedAccessToken, Me } from '../types.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';
import { formatDateTime } from '../format.js';

/** Personal access tokens: created with a name and an expiry, shown once, listed, revoked. */
export function TokensSection(props: { me: Me }) {
  const tokens = useResource(() => api<AccessToken[]>('/v1/me/tokens'), 'tokens');
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [issued, setIssued] = useState<IssuedAccessToken>();
  const create = useAction();
  const revoke = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    void create.run(async () => {
      const expires_in_days = days === 'never' ? null : Number(days);
      setIssued(
        await api<IssuedAccessToken>('/v1/me/tokens', { method: 'POST', body: { name: name.trim(), expires_in_days } }),
      );
      setName('');
      tokens.reload();
    });
  };
  const revokeToken = (token: AccessToken) =>
    revoke.run(async () => {
      await api(`/v1/me/tokens/${token.id}`, { method: 'DELETE' });
      if (issued?.id === token.id) setIssued(undefined);
      tokens.reload();
    });

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Access tokens</h2>
      <p>Tokens let scripts and other tools use Nudge's API as you. Each is shown once, when it is created.</p>
      <form onSubmit={submit} class="settings">
        <TextField
          id="token-name"
          label="Name"
          type="text"
          required
          maxLength={100}
          value={name}
          placeholder="laptop CLI"
          onValue={setName}
        />
        <label for="token-expiry">Expires</label>
        <select id="token-expiry" value={days} onChange={(e) => setDays(e.currentTarget.value)}>
          <option value="7">in 7 days</option>
          <option value="30">in 30 days</option>
          <option value="90">in 90 days</option>
          <option value="366">in a year</option>
          {props.me.is_operator && <option value="never">never (operators only)</option>}
        </select>
        <button type="submit" class="primary" disabled={create.busy}>
          Create token
        </button>
      </form>
      {create.error !== undefined && <ErrorMessage error={create.error} />}
      {issued !== undefined && (
        <div class="notice" role="status">
          <p>Copy the token “{issued.name}” now; it will not be shown again:</p>
          <p>
            <code data-testid="new-token">{issued.token}</code>
          </p>
        </div>
      )}
      <Loaded resource={tokens} what="your tokens">
        {(list) =>
          list.length === 0 ? (
            <p>You have no tokens.</p>
          ) : (
            <DataTable columns={['Name', 'Token', 'Created', 'Last used', 'Expires', ACTIONS]}>
              {list.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td>
                    <code>{token.prefix === null ? '(older token)' : `${token.prefix}…`}</code>
                  </td>
                  <td>{formatDateTime(token.created_at)}</td>
                  <td>{token.last_used_at === null ? 'never' : formatDateTime(token.last_used_at)}</td>
                  <td>{token.expires_at === null ? 'never' : formatDateTime(token.expires_at)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => void revokeToken(token)}
                      disabled={revoke.busy}
                      aria-label={`Revoke ${token.name}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
      {revoke.error !== undefined && <ErrorMessage error={revoke.error} />}
    </section>
  );
}
