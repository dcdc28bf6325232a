import { ECDH } from 'node:crypto';

/** Why a browser's PushSubscription keys cannot be used, or undefined when they can. */
export function subscriptionKeysProblem(p256dh: string, auth: string): { path: string; message: string } | undefined {
  const key = decodeBase64Url(p256dh);
  if (key === undefined || key.length !== 65 || key[0] !== 0x04) {
    return {
      path: 'body/keys/p256dh',
      message: 'keys.p256dh must be a 65-byte uncompressed P-256 point, base64url-encoded',
    };
  }
  try {
    ECDH.convertKey(key, 'prime256v1');
  } catch {
    return { path: 'body/keys/p256dh', message: 'keys.p256dh is not a point on the P-256 curve' };
  }
  if (decodeBase64Url(auth)?.length !== 16) {
    return { path: 'body/keys/auth', message: 'keys.auth must be 16 bytes, base64url-encoded' };
  }
  return undefined;
}

/** One spelling per key (unpadded base64url), so that "the same keys" is a string comparison. */
export function canonicalKey(value: string): string {
  return Buffer.from(value, 'base64url').toString('base64url');
}

function decodeBase64Url(value: string): Buffer | undefined {
  // Browsers send unpadded base64url; padding is tolerated, other alphabets are not.
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
}
