import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, readForm, sendJson, sendText } from '../http/responses.js';
import { GrantError, type OAuthGrants } from './oauth-grants.js';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface ConsentPolicy {
  /** The user the consent screen signs in when the request names no known `login_hint`. */
  defaultUser(): string | undefined;
  /** True when the next consent is to be refused (`error=access_denied`). */
  denies(): boolean;
}

/** GET /o/oauth2/v2/auth: the consent screen, decided at once by the emulator's script. */
export function authorize(
  url: URL,
  res: ServerResponse,
  grants: OAuthGrants,
  client: OAuthClient,
  consent: ConsentPolicy,
): void {
  const q = url.searchParams;
  const redirectUri = q.get('redirect_uri');
  // Google shows an error page (no redirect) when the client or redirect is wrong.
  if (q.get('client_id') !== client.clientId) return sendText(res, 400, 'Error 401: invalid_client');
  if (redirectUri === null || !/^https?:\/\//.test(redirectUri))
    return sendText(res, 400, 'Error 400: redirect_uri_mismatch');
  if (q.get('response_type') !== 'code') return sendText(res, 400, 'Error 400: unsupported_response_type');

  const target = new URL(redirectUri);
  const state = q.get('state');
  if (state !== null) target.searchParams.set('state', state);
  const hint = q.get('login_hint');
  const email = hint !== null && grants.hasUser(hint) ? hint : consent.defaultUser();
  if (consent.denies() || email === undefined) {
    target.searchParams.set('error', 'access_denied');
  } else {
    const asked = q.get('scope') ?? '';
    const scope =
      q.get('include_granted_scopes') === 'true' ? grants.withGrantedScopes(email, client.clientId, asked) : asked;
    const code = grants.issueCode({
      email,
      clientId: client.clientId,
      redirectUri,
      scope,
      offline: q.get('access_type') === 'offline',
      nonce: q.get('nonce') ?? undefined,
    });
    target.searchParams.set('code', code);
    target.searchParams.set('scope', scope);
  }
  res.writeHead(302, { location: target.href }).end();
}

/** POST /token: authorization_code and refresh_token grants. */
export async function token(
  req: IncomingMessage,
  res: ServerResponse,
  grants: OAuthGrants,
  client: OAuthClient,
): Promise<void> {
  const form = await readForm(req);
  const basic = basicCredentials(req);
  const clientId = basic?.user ?? form.get('client_id');
  const clientSecret = basic?.password ?? form.get('client_secret');
  if (clientId !== client.clientId || clientSecret !== client.clientSecret) {
    return sendJson(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
  }
  try {
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return sendJson(
          res,
          200,
          grants.exchangeCode(form.get('code') ?? '', clientId, form.get('redirect_uri') ?? undefined),
        );
      case 'refresh_token':
        return sendJson(res, 200, grants.refresh(form.get('refresh_token') ?? '', clientId));
      default:
        throw new GrantError('unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    }
  } catch (error) {
    if (!(error instanceof GrantError)) throw error;
    return sendJson(res, 400, { error: error.error, error_description: error.description });
  }
}

/** POST /revoke?token=…: Google answers 400 invalid_token for a token it does not know. */
export async function revoke(req: IncomingMessage, url: URL, res: ServerResponse, grants: OAuthGrants): Promise<void> {
  const form = await readForm(req);
  const tokenValue = url.searchParams.get('token') ?? form.get('token') ?? '';
  if (grants.revokeToken(tokenValue)) return sendJson(res, 200, {});
  return sendJson(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
}
