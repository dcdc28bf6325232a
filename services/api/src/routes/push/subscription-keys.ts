import { ECDH } from 'node:crypto';

/** Why a browser's PushSubscription cannot be used, or undefined when it can. */
export function subscriptionProblem(endpoint: string, p256dh: string, auth: string): { path: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { path: 'body/endpoint', message: 'endpoint must be an absolute https URL' };
  }
  if (url.protocol !== 'https:') return { path: 'body/endpoint', message: 'endpoint must be an https URL' };
  const key = decodeBase64Url(p256dh);
  if (key === undefined || key.length !== 65 || key[0] !== 0x04) {
    return { path: 'body/keys/p256dh', message: 'keys.p256dh must be a 65-byte uncompressed P-256 point, base64url-encoded' };
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

function decodeBase64Url(value: string): Buffer | undefined {
  // Browsers send unpadded base64url; padding is tolerated, other alphabets are not.
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
}
