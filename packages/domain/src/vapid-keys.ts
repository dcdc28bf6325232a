import { createECDH } from 'node:crypto';

export interface VapidKeys {
  /** The uncompressed P-256 point browsers subscribe with (65 bytes, base64url). */
  publicKey: string;
  /** The private scalar (32 bytes, base64url). */
  privateKey: string;
}

/**
 * A new VAPID key pair. The private key is left-padded to 32 bytes: Node returns the scalar
 * without leading zero bytes, which one key in 256 has, and push libraries reject those.
 */
export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const privateKey = Buffer.alloc(32);
  const scalar = ecdh.getPrivateKey();
  scalar.copy(privateKey, 32 - scalar.length);
  return { publicKey: ecdh.getPublicKey('base64url'), privateKey: privateKey.toString('base64url') };
}
