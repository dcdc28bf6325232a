import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { keyIdOf, TokenCipher, TokenDecryptionError } from './token-cipher.js';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

describe('TokenCipher', () => {
  it('seals into a v1 envelope naming the key, without the plaintext, and opens it again', () => {
    const cipher = new TokenCipher([newKey]);
    const sealed = cipher.encrypt('1//refresh-token', 'user-1');
    const [version, kid, ...rest] = sealed.split('.');
    expect(version).toBe('v1');
    expect(kid).toBe(keyIdOf(newKey));
    expect(rest).toHaveLength(3);
    expect(sealed).not.toContain('refresh-token');
    expect(cipher.encrypt('1//refresh-token', 'user-1')).not.toBe(sealed);
    expect(cipher.decrypt(sealed, 'user-1')).toBe('1//refresh-token');
  });

  it('opens envelopes sealed with an older key after a rotation, and seals with the newest', () => {
    const before = new TokenCipher([oldKey]).encrypt('secret', 'user-1');
    const rotated = new TokenCipher([newKey, oldKey]);
    expect(rotated.decrypt(before, 'user-1')).toBe('secret');
    expect(rotated.encrypt('secret', 'user-1').split('.')[1]).toBe(keyIdOf(newKey));
    expect(() => new TokenCipher([newKey]).decrypt(before, 'user-1')).toThrow(TokenDecryptionError);
  });

  it('refuses a tampered envelope and one copied onto another user', () => {
    const cipher = new TokenCipher([newKey]);
    const sealed = cipher.encrypt('secret', 'user-1');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'user-1')).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(sealed, 'user-2')).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt('plain-token', 'user-1')).toThrow(TokenDecryptionError);
  });
});
