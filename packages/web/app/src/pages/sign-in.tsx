import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorMessage } from '../components/status.js';
import { TextField } from '../components/text-field.js';
import { storeToken } from '../session.js';
import type { Me } from '../types.js';
import { useAction } from '../use-action.js';

/** Sign in with an API token (from `nudge-admin create-org` or an admin); it is checked against /v1/me before it is kept. */
export function SignIn(props: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const signIn = useAction();
  const error =
    signIn.error instanceof ApiError && signIn.error.status === 401
      ? 'That token was not accepted. Check it and try again.'
      : signIn.error?.message;

  const submit = (event: Event) => {
    event.preventDefault();
    void signIn.run(async () => {
      const me = await api<Me>('/v1/me', { token: token.trim() });
      storeToken(token.trim());
      props.onSignedIn(me);
    });
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Nudge</h1>
      <p>
        <a class="button primary" href="/v1/auth/google/start">
          Sign in with Google
        </a>
      </p>
      <p class="help">
        Your organisation’s admin invites you, or admits your Google Workspace domain. Calendar access is asked for
        later, when you connect it.
      </p>
      <h2>Or use an API token</h2>
      <form onSubmit={submit}>
        <TextField
          id="token"
          label="API token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onValue={setToken}
          aria-describedby="token-help"
          aria-invalid={error !== undefined}
        />
        <p id="token-help" class="help">
          Your token starts with <code>nudge_</code>. It is kept in this tab only and forgotten when you close it.
        </p>
        {error !== undefined && <ErrorMessage error={error} />}
        <button type="submit" class="primary" disabled={signIn.busy}>
          {signIn.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
