import { hkdfSync } from 'node:crypto';

/**
 * A 32-byte key for one purpose, derived from CREDENTIALS_ENCRYPTION_KEY with HKDF-SHA256.
 * Each purpose (token encryption, OAuth state signing, key ids) gets its own key, so a key
 * that leaks through one use says nothing about the others.
 */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `nudge/${purpose}`, 32));
}
