import { describe, expect, it } from '@jest/globals';
import { normalizeEnteredCode, spokenCode, VerificationCodes } from './verification-code.js';

describe('verification codes', () => {
  const codes = new VerificationCodes('twilio-auth-token');

  it('derives the same six digits for an id from the same secret, and others from another secret', () => {
    const id = '7f0c3a52-9a43-4f0e-8d0a-0c6a3c1b2d11';
    expect(codes.codeFor(id)).toMatch(/^\d{6}$/);
    expect(new VerificationCodes('twilio-auth-token').codeFor(id)).toBe(codes.codeFor(id));
    expect(new VerificationCodes('another-token').codeFor(id)).not.toBe(codes.codeFor(id));
  });

  it('spreads codes over the whole range', () => {
    const seen = new Set(Array.from({ length: 2000 }, (_, i) => codes.codeFor(`id-${i}`)));
    expect(seen.size).toBeGreaterThan(1990);
  });

  it('matches only the right code for the right verification', () => {
    const hash = codes.hashOf('a', '123456');
    expect(hash).not.toContain('123456');
    expect(codes.matches('a', '123456', hash)).toBe(true);
    expect(codes.matches('a', '123457', hash)).toBe(false);
    expect(codes.matches('b', '123456', hash)).toBe(false);
    expect(codes.matches('a', '123456', 'zz')).toBe(false);
  });

  it('hashes a number to the same value each time, and never to the number itself', () => {
    expect(codes.phoneHash('+4915112345678')).toBe(
      new VerificationCodes('twilio-auth-token').phoneHash('+4915112345678'),
    );
    expect(codes.phoneHash('+4915112345678')).not.toBe(codes.phoneHash('+4915112345679'));
    expect(codes.phoneHash('+4915112345678')).not.toContain('4915112345678');
  });

  it('accepts what people type and refuses everything else', () => {
    expect(normalizeEnteredCode(' 123 456 ')).toBe('123456');
    expect(normalizeEnteredCode('123-456')).toBe('123456');
    expect(normalizeEnteredCode('12345')).toBeUndefined();
    expect(normalizeEnteredCode('12345a')).toBeUndefined();
    expect(normalizeEnteredCode('１２３４５６')).toBeUndefined();
  });

  it('is read out digit by digit', () => {
    expect(spokenCode('012345')).toBe('0, 1, 2, 3, 4, 5');
  });
});
