import type { GoogleSignInConfig } from '@nudge/config';
import type { OAuth2Client } from 'google-auth-library';
import { SignInError } from './sign-in-error.js';

/** What Nudge uses of a verified Google ID token. */
export interface GoogleIdentity {
  sub: string;
  email: string;
  name: string | undefined;
  /** The Google Workspace domain, only for workspace accounts. */
  hd: string | undefined;
}

/** Where the client fetches signing keys and which issuers it accepts; Google's own issuer has two spellings. */
export function idTokenChecks(config: GoogleSignInConfig): { certsUrl: string; issuers: string[] } {
  const issuers =
    config.issuer === 'https://accounts.google.com'
      ? ['https://accounts.google.com', 'accounts.google.com']
      : [config.issuer];
  return { certsUrl: config.certsUrl, issuers };
}

/** google-auth-library reports each failed check as a message; these are the ones people can act on. */
function problemOf(message: string): SignInError {
  if (message.startsWith('Wrong recipient'))
    return new SignInError('wrong_audience', 'the Google ID token was made for another application');
  if (message.startsWith('Invalid issuer'))
    return new SignInError('wrong_issuer', 'the Google ID token was not issued by Google');
  if (message.startsWith('Token used too late'))
    return new SignInError('token_expired', 'the Google sign-in expired; sign in again');
  return new SignInError('invalid_id_token', 'Google’s answer could not be verified; sign in again');
}

/**
 * Verifies the ID token with google-auth-library: its signature against the provider's published
 * keys, `aud` (our client id), `iss` and `exp`; then the `nonce` this browser was given and
 * `email_verified`.
 */
export async function verifyGoogleIdToken(
  client: OAuth2Client,
  idToken: string,
  clientId: string,
  nonce: string,
): Promise<GoogleIdentity> {
  let payload;
  try {
    payload = (await client.verifyIdToken({ idToken, audience: clientId })).getPayload();
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('Failed to retrieve verification certificates')) throw error;
    throw problemOf(error instanceof Error ? error.message : String(error));
  }
  if (payload === undefined || typeof payload.sub !== 'string' || payload.sub === '')
    throw new SignInError('invalid_id_token', 'the Google ID token names no account');
  if (payload.nonce !== nonce)
    throw new SignInError('nonce_mismatch', 'the Google ID token belongs to another sign-in; sign in again');
  if (typeof payload.email !== 'string' || payload.email_verified !== true) {
    throw new SignInError(
      'email_not_verified',
      `Google has not verified the email address ${payload.email ?? '(none)'} of this account, so Nudge cannot tell whose it is`,
      403,
    );
  }
  return { sub: payload.sub, email: payload.email.toLowerCase(), name: payload.name, hd: payload.hd };
}
