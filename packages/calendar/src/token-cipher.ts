import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from './key-derivation.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface CipherKey {
  id: string;
  key: Buffer;
}

/** A stored token that cannot be read: unknown key id, tampered, or not an envelope at all. */
export class TokenDecryptionError extends Error {
  override readonly name = 'TokenDecryptionError';
}

/** The key id an envelope was sealed with, derived from the key, so it names it without revealing it. */
export function keyIdOf(master: Buffer): string {
  return deriveKey(master, 'key-id').subarray(0, 6).toString('base64url');
}

/**
 * AES-256-GCM for OAuth tokens at rest. An envelope is `v1.<kid>.<iv>.<ciphertext>.<tag>`
 * (base64url parts): the key id lets a rotated deployment decrypt with an older key while
 * sealing with the newest. The context (the owner's user id) is authenticated data, so a
 * ciphertext copied onto another user's row does not decrypt.
 */
export class TokenCipher {
  private readonly current: CipherKey;
  private readonly byId: Map<string, CipherKey>;

  /** `masters[0]` seals; every one of them opens. */
  constructor(masters: readonly Buffer[]) {
    const keys = masters.map((master) => ({
      id: keyIdOf(master),
      key: deriveKey(master, 'calendar-tokens/aes-256-gcm'),
    }));
    if (keys[0] === undefined) throw new Error('TokenCipher needs at least one key');
    this.current = keys[0];
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.current.id, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.current.id,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  decrypt(envelope: string, context: string): string {
    const [version, keyId, iv, ciphertext, tag, extra] = envelope.split('.');
    if (
      version !== VERSION ||
      keyId === undefined ||
      iv === undefined ||
      ciphertext === undefined ||
      tag === undefined ||
      extra !== undefined
    ) {
      throw new TokenDecryptionError('not a v1 token envelope');
    }
    const key = this.byId.get(keyId);
    if (key === undefined) throw new TokenDecryptionError(`sealed with key ${keyId}, which is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptionError('the token does not authenticate (tampered, or another owner)');
    }
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');
}
