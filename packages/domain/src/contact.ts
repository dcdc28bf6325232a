/** An E.164 phone number: "+", a country code that does not start with 0, at most 15 digits. */
export const E164_PATTERN = '^\\+[1-9][0-9]{6,14}$';
const E164 = new RegExp(E164_PATTERN);

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** A named IANA time zone ("Europe/Berlin", "UTC"); offsets such as "+01:00" are not names. */
export function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A plausible address, lower-cased: addresses are unique without regard to case. */
export function normalizeEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  return EMAIL.test(email) && email.length <= 254 ? email : undefined;
}
