import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * Cookie names and attributes. Outside local development cookies are `Secure` and carry the
 * `__Host-` prefix, which browsers accept only from this exact origin with Path=/: a sibling
 * subdomain cannot plant one (cookie tossing).
 */
export class SessionCookies {
  readonly session: string;
  /** Binds a sign-in's state and nonce to the browser that started it. */
  readonly signIn: string;
  /** Binds a calendar connect's state to the browser that asked for the consent URL. */
  readonly connect: string;

  constructor(private readonly secure: boolean) {
    const prefix = secure ? '__Host-' : '';
    this.session = `${prefix}nudge_session`;
    this.signIn = `${prefix}nudge_sign_in`;
    this.connect = `${prefix}nudge_connect`;
  }

  options(maxAgeSeconds: number): CookieSerializeOptions {
    return { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/', maxAge: maxAgeSeconds };
  }

  cleared(): CookieSerializeOptions {
    return { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/' };
  }
}

/** A flow binding lives as long as the OAuth state it binds. */
export const FLOW_COOKIE_SECONDS = 10 * 60;
