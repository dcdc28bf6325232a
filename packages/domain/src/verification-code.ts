import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The 6-digit code of one phone verification, derived from a secret and the verification's id.
 *
 * The api (which sends the code) and the calls role (whose TwiML reads it out) both hold the
 * Twilio auth token, so both derive the same code from the id alone: the code is never stored,
 * never put in a URL Twilio logs, and the database keeps only a keyed hash of it, which cannot
 * be brute-forced over the million possible codes without the secret.
 */
export class VerificationCodes {
  private readonly codeKey: Buffer;
  private readonly hashKey: Buffer;
  private readonly phoneKey: Buffer;

  constructor(secret: string) {
    this.codeKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nudge/phone-verification-code', 32));
    this.hashKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nudge/phone-verification-hash', 32));
    this.phoneKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nudge/phone-verification-number', 32));
  }

  /** What the database stores for the number a code went to: enough to count and compare, not to read. */
  phoneHash(phoneE164: string): string {
    return createHmac('sha256', this.phoneKey).update(phoneE164).digest('hex');
  }

  /** The code for this verification: six decimal digits, leading zeros kept. */
  codeFor(verificationId: string): string {
    const mac = createHmac('sha256', this.codeKey).update(verificationId).digest();
    // 48 bits reduced mod 10^6: the bias is below 2^-28, far under what guessing could use.
    return String(mac.readUIntBE(0, 6) % 1_000_000).padStart(6, '0');
  }

  /** What the database stores for the code. */
  hashOf(verificationId: string, code: string): string {
    return createHmac('sha256', this.hashKey).update(`${verificationId}:${code}`).digest('hex');
  }

  /** Whether `entered` is the code whose hash is `storedHash`, compared in constant time. */
  matches(verificationId: string, entered: string, storedHash: string): boolean {
    const expected = Buffer.from(storedHash, 'hex');
    const actual = Buffer.from(this.hashOf(verificationId, entered), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}

/** A code as a person may type it: six digits, spaces and dashes ignored. */
export function normalizeEnteredCode(entered: string): string | undefined {
  const digits = entered.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

/** The code as a voice reads it: digit by digit, so "120045" is not "one hundred twenty thousand…". */
export function spokenCode(code: string): string {
  return code.split('').join(', ');
}
