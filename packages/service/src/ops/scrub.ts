/** Personal data and credentials that must not leave for an error tracker, with what replaces them. */
const PATTERNS: [RegExp, string][] = [
  [/nudge_[A-Za-z0-9_-]{20,}/g, '[token]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\bya29\.[A-Za-z0-9._-]+/g, '[google-token]'],
  [/\b1\/\/[A-Za-z0-9._-]{20,}/g, '[google-token]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\+[1-9]\d{6,14}\b/g, '[phone]'],
  [/\/checkin\/[A-Za-z0-9_-]{16,}/g, '/checkin/[token]'],
];

const SECRET_KEYS = /token|secret|password|authorization|cookie|phone|email|p256dh|auth$|dsn|key$/i;

export function scrubText(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** A deep copy with credential-named fields blanked and every string scrubbed. */
export function scrubValue<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEYS.test(key) && typeof inner !== 'object' ? '[redacted]' : scrubValue(inner, depth + 1);
  }
  return out as T;
}
