import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '@nudge/calendar';

/** How long a consent URL stays usable. */
export const STATE_LIFETIME_MS = 10 * 60_000;

export interface OAuthState {
  userId: string;
  /** Single-use marker: a redeemed nonce is refused the second time. */
  nonce: string;
  expiresAt: Date;
}

export type StateProblem = 'invalid_state' | 'state_expired';

export class StateError extends Error {
  constructor(
    readonly code: StateProblem,
    message: string,
  ) {
    super(message);
  }
}

interface Payload {
  u: string;
  n: string;
  e: number;
}

/**
 * The OAuth `state`: `<payload>.<hmac>`, base64url. It carries the user (the callback is
 * unauthenticated) and its expiry, signed with a key derived for this purpose only, so nothing
 * needs storing until it is redeemed.
 */
export class OAuthStateSigner {
  private readonly key: Buffer;

  constructor(master: Buffer) {
    this.key = deriveKey(master, 'oauth-state/hmac-sha256');
  }

  /** A signed state and its nonce, which the browser that asked keeps in a cookie. */
  issue(userId: string, now: Date): { state: string; nonce: string } {
    const payload: Payload = {
      u: userId,
      n: randomBytes(16).toString('base64url'),
      e: now.getTime() + STATE_LIFETIME_MS,
    };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { state: `${encoded}.${this.sign(encoded)}`, nonce: payload.n };
  }

  verify(state: string, now: Date): OAuthState {
    const [encoded, signature, extra] = state.split('.');
    if (encoded === undefined || signature === undefined || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.sign(encoded));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Payload;
    if (payload.e <= now.getTime()) {
      throw new StateError('state_expired', 'this connect link expired (they last 10 minutes); start connecting again');
    }
    return { userId: payload.u, nonce: payload.n, expiresAt: new Date(payload.e) };
  }

  private sign(encoded: string): string {
    return createHmac('sha256', this.key).update(encoded).digest('base64url');
  }
}

function invalid(): StateError {
  return new StateError('invalid_state', 'the state parameter is missing, malformed or not signed by Nudge');
}
