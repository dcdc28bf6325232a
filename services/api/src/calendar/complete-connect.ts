import {
  CALENDAR_READONLY_SCOPE,
  googleFailureOf,
  saveGoogleCredential,
  type GoogleClients,
  type TokenCipher,
} from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import { CallbackError } from './callback-outcome.js';
import { StateError, type OAuthStateSigner } from './oauth-state.js';
import { redeemOAuthState } from './redeem-state.js';
import { sameSecret } from '../sign-in/flow-binding.js';

export interface ConnectDeps {
  sql: Sql;
  signer: OAuthStateSigner;
  clients: GoogleClients;
  cipher: TokenCipher;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
}

/**
 * The OAuth callback: the state must verify, belong to this browser (`boundNonce`, from the
 * cookie set when the consent URL was made) and be redeemed before anything else, so a replayed,
 * forged or forwarded callback can neither store nor spend a code. Returns the user connected;
 * any failure throws a CallbackError and leaves the stored credential as it was.
 */
export async function completeGoogleConnect(
  deps: ConnectDeps,
  query: CallbackQuery,
  boundNonce: string | undefined,
  now: Date,
): Promise<string> {
  if (query.state === undefined || query.state === '')
    throw new CallbackError('invalid_state', 'the callback has no state parameter');
  let state;
  try {
    state = deps.signer.verify(query.state, now);
  } catch (error) {
    if (error instanceof StateError) throw new CallbackError(error.code, error.message);
    throw error;
  }
  // A connect link made by someone else (or opened in another browser) must not connect this
  // person's Google account to the link maker's Nudge user.
  if (boundNonce === undefined || !sameSecret(boundNonce, state.nonce)) {
    throw new CallbackError(
      'state_not_bound',
      'this connect link was not started in this browser, so nothing was connected; start connecting from your own Nudge page',
    );
  }
  const redemption = await redeemOAuthState(deps.sql, state, now);
  if (redemption === 'already_used')
    throw new CallbackError('state_used', 'this connect link was already used; start connecting again');
  if (redemption === 'unknown_user')
    throw new CallbackError('invalid_state', 'the user this link was made for no longer exists');

  if (query.error === 'access_denied') {
    throw new CallbackError('access_denied', 'Google Calendar access was not granted, so nothing was connected');
  }
  if (query.error !== undefined)
    throw new CallbackError('oauth_error', `Google answered with error "${query.error}"; nothing was connected`);
  if (query.code === undefined || query.code === '')
    throw new CallbackError('missing_code', 'the callback has no authorization code');

  let tokens;
  try {
    ({ tokens } = await deps.clients.oauth().getToken(query.code));
  } catch (error) {
    const failure = googleFailureOf(error, now);
    const why = failure.reason ?? (failure.status === undefined ? 'no answer' : `HTTP ${failure.status}`);
    throw new CallbackError(
      'token_exchange_failed',
      `Google refused the authorization code (${why}); start connecting again`,
    );
  }
  if (typeof tokens.refresh_token !== 'string' || tokens.refresh_token === '') {
    throw new CallbackError(
      'missing_refresh_token',
      'Google granted no offline access (no refresh token); start connecting again',
    );
  }
  const scopes = (tokens.scope ?? '').split(' ').filter((scope) => scope !== '');
  if (!scopes.includes(CALENDAR_READONLY_SCOPE)) {
    throw new CallbackError(
      'scope_not_granted',
      'read access to the calendar was not granted; allow it on the consent screen',
    );
  }
  // Also queues the first sync: a worker reads the calendar and opens its channel right away.
  await saveGoogleCredential(
    deps.sql,
    deps.cipher,
    state.userId,
    {
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token ?? undefined,
      expiresAt: typeof tokens.expiry_date === 'number' ? new Date(tokens.expiry_date) : undefined,
      scopes,
    },
    now,
  );
  return state.userId;
}
