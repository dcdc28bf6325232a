import { createECDH } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { generateVapidKeys } from './vapid-keys.js';

describe('VAPID key generation', () => {
  it('always gives a 32-byte private key that derives its 65-byte public key, even with leading zero bytes', () => {
    // About one key in 256 has a leading zero byte; 2,000 keys find several.
    for (let i = 0; i < 2_000; i += 1) {
      const keys = generateVapidKeys();
      const privateKey = Buffer.from(keys.privateKey, 'base64url');
      expect(privateKey).toHaveLength(32);
      expect(Buffer.from(keys.publicKey, 'base64url')).toHaveLength(65);
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(privateKey);
      expect(ecdh.getPublicKey('base64url')).toBe(keys.publicKey);
    }
  });
});
