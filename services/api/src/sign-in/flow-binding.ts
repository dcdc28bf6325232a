import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A sign-in in flight, bound to the browser that started it: `state` goes to Google and comes
 * back in the callback, while the same `state`, the `nonce` (which Google puts in the ID token)
 * and any invitation stay in this browser's short-lived HttpOnly cookie. A callback opened in
 * another browser has no cookie, or another state, and is refused.
 */
export interface SignInBinding {
  state: string;
  nonce: string;
  invitation: string | undefined;
}

export function newSignInBinding(invitation: string | undefined): SignInBinding {
  return { state: randomBytes(24).toString('base64url'), nonce: randomBytes(24).toString('base64url'), invitation };
}

export function encodeBinding(binding: SignInBinding): string {
  return [binding.state, binding.nonce, binding.invitation ?? ''].join('.');
}

export function decodeBinding(value: string | undefined): SignInBinding | undefined {
  const [state, nonce, invitation, extra] = (value ?? '').split('.');
  if (
    state === undefined ||
    state === '' ||
    nonce === undefined ||
    nonce === '' ||
    invitation === undefined ||
    extra !== undefined
  )
    return undefined;
  return { state, nonce, invitation: invitation === '' ? undefined : invitation };
}

/** Constant-time equality for values an attacker may probe. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
