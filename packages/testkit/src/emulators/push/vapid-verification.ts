import { createPublicKey, verify } from 'node:crypto';
import { decodeBase64urlJson } from '../http/base64url-json.js';

export interface VapidIdentity {
  /** The application server's public key (base64url, uncompressed point), the `k` parameter. */
  publicKey: string;
  subject: string;
  audience: string;
  expiresAt: Date;
}

export type VapidCheck = { ok: true; identity: VapidIdentity } | { ok: false; status: 401 | 403; reason: string };

const MAX_EXPIRY_SECONDS = 24 * 3600;

/**
 * Checks an `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292) as a push service does:
 * an ES256 signature by `k`, `aud` the endpoint's origin, `exp` in the future and at most 24 h
 * ahead, and a `mailto:` or `https:` subject.
 */
export function verifyVapid(header: string | undefined, audience: string, nowSeconds: number): VapidCheck {
  const params = parseVapidHeader(header);
  if (params === undefined)
    return { ok: false, status: 401, reason: 'missing or malformed vapid Authorization header' };
  const [encodedHeader, encodedClaims, encodedSignature] = params.t.split('.');
  if (encodedHeader === undefined || encodedClaims === undefined || encodedSignature === undefined) {
    return { ok: false, status: 401, reason: 'token is not a JWT' };
  }
  const jwtHeader = decodeBase64urlJson(encodedHeader);
  const claims = decodeBase64urlJson(encodedClaims);
  if (jwtHeader?.alg !== 'ES256' || claims === undefined)
    return { ok: false, status: 401, reason: 'token is not an ES256 JWT' };
  if (!signatureValid(`${encodedHeader}.${encodedClaims}`, encodedSignature, params.k)) {
    return { ok: false, status: 403, reason: 'JWT signature does not match the k key' };
  }
  const { aud, exp, sub } = claims;
  if (aud !== audience) return { ok: false, status: 403, reason: `aud ${String(aud)} is not ${audience}` };
  if (typeof exp !== 'number' || !Number.isInteger(exp)) return { ok: false, status: 403, reason: 'exp missing' };
  if (exp <= nowSeconds) return { ok: false, status: 403, reason: 'JWT expired' };
  if (exp > nowSeconds + MAX_EXPIRY_SECONDS) return { ok: false, status: 403, reason: 'exp more than 24 hours ahead' };
  if (typeof sub !== 'string' || !/^(mailto:|https:)/.test(sub))
    return { ok: false, status: 403, reason: 'sub must be a mailto: or https: URL' };
  return { ok: true, identity: { publicKey: params.k, subject: sub, audience: aud, expiresAt: new Date(exp * 1000) } };
}

function parseVapidHeader(header: string | undefined): { t: string; k: string } | undefined {
  const match = /^vapid\s+(.+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const params = new Map(
    match[1].split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    }),
  );
  const t = params.get('t');
  const k = params.get('k');
  return t === undefined || k === undefined ? undefined : { t, k };
}

function signatureValid(signedPart: string, encodedSignature: string, publicKey: string): boolean {
  const point = Buffer.from(publicKey, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) return false;
  try {
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    return verify(
      'sha256',
      Buffer.from(signedPart),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(encodedSignature, 'base64url'),
    );
  } catch {
    return false;
  }
}
