import { randomBytes } from 'node:crypto';
import { googleAccount, type AccountOptions, type GoogleAccount } from './oidc-identity.js';

/** What Google's token endpoint answers for a code exchange or a refresh. */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  token_type: 'Bearer';
  /** With the `openid` scope: the signed ID token. */
  id_token?: string;
}

export interface ConsentRequest {
  email: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  /** `access_type=offline`: only then does Google hand out a refresh token. */
  offline: boolean;
  /** The sign-in request's `nonce`, echoed in the ID token. */
  nonce?: string | undefined;
}

/** Makes the ID token of a consent that asked for `openid`. */
export type IdTokenIssuer = (account: GoogleAccount, consent: ConsentRequest) => string;

interface Grant {
  email: string;
  clientId: string;
  scope: string;
  refreshToken: string | undefined;
  revoked: boolean;
}

interface AuthorizationCode extends ConsentRequest {
  expiresAt: number;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

/** A failed grant, worded as Google's token endpoint words it. */
export class GrantError extends Error {
  constructor(
    readonly error: 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
  }
}

const CODE_LIFETIME_MS = 10 * 60_000;

/** Users, authorization codes, refresh and access tokens of the Google emulator. */
export class OAuthGrants {
  private readonly users = new Map<string, GoogleAccount>();
  /** Scopes each user granted each client: `include_granted_scopes` adds them to a new grant. */
  private readonly granted = new Map<string, Set<string>>();
  idTokens: IdTokenIssuer | undefined;
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessToken>();

  constructor(
    private readonly now: () => number,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  addUser(email: string, options?: AccountOptions): void {
    if (options !== undefined || !this.users.has(email)) this.users.set(email, googleAccount(email, options));
  }

  account(email: string): GoogleAccount | undefined {
    return this.users.get(email);
  }

  /** Every scope the user granted the client so far, with the new ones (incremental authorization). */
  withGrantedScopes(email: string, clientId: string, scope: string): string {
    const known = this.granted.get(`${email} ${clientId}`) ?? new Set<string>();
    return [...new Set([...known, ...scope.split(' ').filter((s) => s !== '')])].join(' ');
  }

  hasUser(email: string): boolean {
    return this.users.has(email);
  }

  issueCode(consent: ConsentRequest): string {
    const code = `4/emu-${randomBytes(18).toString('base64url')}`;
    this.codes.set(code, { ...consent, expiresAt: this.now() + CODE_LIFETIME_MS });
    return code;
  }

  exchangeCode(code: string, clientId: string, redirectUri: string | undefined): TokenResponse {
    const issued = this.codes.get(code);
    // Codes are single-use: a replayed code is as invalid as an unknown one.
    this.codes.delete(code);
    if (issued === undefined || issued.expiresAt <= this.now())
      throw new GrantError('invalid_grant', 'Malformed auth code.');
    if (issued.clientId !== clientId || issued.redirectUri !== redirectUri)
      throw new GrantError('invalid_grant', 'Bad Request');
    const tokens = this.grant(issued.email, issued.clientId, issued.scope, issued.offline);
    const account = this.users.get(issued.email);
    if (issued.scope.split(' ').includes('openid') && this.idTokens !== undefined && account !== undefined) {
      return { ...tokens, id_token: this.idTokens(account, issued) };
    }
    return tokens;
  }

  /** Tokens for a user without the consent round trip (benchmarks, seeded tests). */
  grant(email: string, clientId: string, scope: string, offline = true): TokenResponse {
    this.addUser(email);
    const key = `${email} ${clientId}`;
    this.granted.set(key, new Set([...(this.granted.get(key) ?? []), ...scope.split(' ').filter((s) => s !== '')]));
    const refreshToken = offline ? `1//emu-${randomBytes(24).toString('base64url')}` : undefined;
    const grant: Grant = { email, clientId, scope, refreshToken, revoked: false };
    if (refreshToken !== undefined) this.refreshTokens.set(refreshToken, grant);
    return { ...this.accessTokenFor(grant), ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }) };
  }

  refresh(refreshToken: string, clientId: string): TokenResponse {
    const grant = this.refreshTokens.get(refreshToken);
    if (grant === undefined || grant.revoked || grant.clientId !== clientId) {
      throw new GrantError('invalid_grant', 'Token has been expired or revoked.');
    }
    return this.accessTokenFor(grant);
  }

  /** The user an access token belongs to, if it is known, unexpired and not revoked. */
  userOf(accessToken: string): string | undefined {
    const token = this.accessTokens.get(accessToken);
    if (token === undefined || token.grant.revoked || token.expiresAt <= this.now()) return undefined;
    return token.grant.email;
  }

  /** Revoking either token of a grant revokes the whole grant, as Google does. */
  revokeToken(token: string): boolean {
    const grant = this.refreshTokens.get(token) ?? this.accessTokens.get(token)?.grant;
    if (grant === undefined) return false;
    grant.revoked = true;
    return true;
  }

  /** The user removed the app's access (or an admin did): every grant of theirs is dead. */
  revokeUser(email: string): void {
    for (const grant of this.refreshTokens.values()) if (grant.email === email) grant.revoked = true;
    for (const token of this.accessTokens.values()) if (token.grant.email === email) token.grant.revoked = true;
  }

  /** Every access token of the user expires now, so the next API call gets a 401. */
  expireAccessTokens(email: string): void {
    for (const token of this.accessTokens.values()) if (token.grant.email === email) token.expiresAt = this.now();
  }

  private accessTokenFor(grant: Grant): TokenResponse {
    const accessToken = `ya29.emu-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, { grant, expiresAt: this.now() + this.accessTokenTtlSeconds * 1000 });
    return {
      access_token: accessToken,
      expires_in: this.accessTokenTtlSeconds,
      scope: grant.scope,
      token_type: 'Bearer',
    };
  }
}
