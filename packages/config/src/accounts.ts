import { ConfigError } from './config-error.js';
import { readEndpointUrl, readInt, readRaw, readUrl, type Env } from './env-reader.js';

/** Where Google's ID tokens are checked: the issuer they must name and the keys that sign them. */
export interface GoogleSignInConfig {
  /** GOOGLE_OIDC_ISSUER: the `iss` an ID token must carry. */
  issuer: string;
  /** GOOGLE_OIDC_CERTS_URL: Google's signing keys (the PEM form of its JWKS, which google-auth-library reads in Node). */
  certsUrl: string;
}

export function googleSignInFragment(env: Env): GoogleSignInConfig {
  return {
    issuer: readEndpointUrl(env, 'GOOGLE_OIDC_ISSUER', 'https://accounts.google.com'),
    certsUrl: readEndpointUrl(env, 'GOOGLE_OIDC_CERTS_URL', 'https://www.googleapis.com/oauth2/v1/certs'),
  };
}

export interface SessionConfig {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in however much it is used. */
  absoluteMs: number;
  /** Cookies carry `Secure` (and the `__Host-` prefix) unless PUBLIC_BASE_URL is plain http (local development). */
  secureCookies: boolean;
}

export function sessionFragment(env: Env, publicBaseUrl: string): SessionConfig {
  const idleMinutes = readInt(env, 'SESSION_IDLE_MINUTES', {
    default: 7 * 24 * 60,
    min: 1,
    max: 365 * 24 * 60,
    example: '10080',
  });
  const absoluteHours = readInt(env, 'SESSION_ABSOLUTE_HOURS', {
    default: 30 * 24,
    min: 1,
    max: 365 * 24,
    example: '720',
  });
  if (idleMinutes > absoluteHours * 60) {
    throw new ConfigError(
      'SESSION_IDLE_MINUTES',
      `must not exceed SESSION_ABSOLUTE_HOURS (${absoluteHours} h = ${absoluteHours * 60} min)`,
      String(Math.min(absoluteHours * 60, 10080)),
    );
  }
  return {
    idleMs: idleMinutes * 60_000,
    absoluteMs: absoluteHours * 3_600_000,
    secureCookies: new URL(publicBaseUrl).protocol === 'https:',
  };
}

export interface MailConfig {
  /** SMTP_URL: smtp:// or smtps:// with credentials; unset: invitations are only shown to the admin. */
  smtpUrl: string;
  /** MAIL_FROM: the sender of invitation emails. */
  from: string;
}

export function mailFragment(env: Env): MailConfig | undefined {
  if (readRaw(env, 'SMTP_URL') === undefined) return undefined;
  const smtpUrl = readUrl(env, 'SMTP_URL', {
    protocols: ['smtp:', 'smtps:'],
    example: 'smtps://user:password@smtp.example.com:465',
    secret: true,
  });
  const from = readRaw(env, 'MAIL_FROM') ?? 'Nudge <nudge@localhost>';
  if (!/^[^\r\n]*@[^\r\n]*$/.test(from))
    throw new ConfigError(
      'MAIL_FROM',
      'must be an address such as "Nudge <nudge@example.com>"',
      'Nudge <nudge@example.com>',
    );
  return { smtpUrl, from };
}
