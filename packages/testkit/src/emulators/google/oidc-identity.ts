import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A Google account as the emulator knows it. */
export interface GoogleAccount {
  email: string;
  /** Google's stable account id; derived from the email unless given. */
  sub: string;
  emailVerified: boolean;
  /** The Google Workspace domain of a workspace account (the `hd` claim); absent for consumer accounts. */
  hd: string | undefined;
  name: string;
}

export type AccountOptions = Partial<Omit<GoogleAccount, 'email'>>;

/** The claims of a Google ID token. */
export interface IdTokenClaims {
  iss: string;
  azp: string;
  aud: string;
  sub: string;
  email: string;
  email_verified: boolean;
  hd?: string;
  name: string;
  nonce?: string;
  iat: number;
  exp: number;
}

export function googleAccount(email: string, options: AccountOptions = {}): GoogleAccount {
  return {
    email,
    sub: options.sub ?? BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 15)}`).toString(),
    emailVerified: options.emailVerified ?? true,
    hd: options.hd,
    name: options.name ?? email.split('@')[0]!,
  };
}

const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The OpenID Connect side of the emulator: one RS256 signing key, published as Google does (a
 * JWKS at /oauth2/v3/certs and PEM keys at /oauth2/v1/certs), and ID tokens signed with it.
 */
export class OidcIdentity {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(private readonly now: () => number) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.kid = createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 40);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  pemCerts(): Record<string, string> {
    return { [this.kid]: this.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  /** The claims Google would put in the account's ID token for this client. */
  claimsFor(account: GoogleAccount, issuer: string, clientId: string, nonce: string | undefined): IdTokenClaims {
    const iat = Math.floor(this.now() / 1000);
    return {
      iss: issuer,
      azp: clientId,
      aud: clientId,
      sub: account.sub,
      email: account.email,
      email_verified: account.emailVerified,
      ...(account.hd === undefined ? {} : { hd: account.hd }),
      name: account.name,
      ...(nonce === undefined ? {} : { nonce }),
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
    };
  }

  /** Signs any claims, so tests can make tokens Google would never issue (wrong audience, expired, …). */
  sign(claims: Partial<IdTokenClaims> | Record<string, unknown>, key: KeyObject = this.privateKey): string {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: this.kid, typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** Signs with a key nobody published: the signature check must refuse it. */
  signWithUnknownKey(claims: Partial<IdTokenClaims>): string {
    return this.sign(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  }
}
