import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

interface Described {
  /** A good value, printed in the error message. */
  example: string;
  /** Secrets are never echoed back in an error. */
  secret?: boolean;
}

function shown(value: string, secret: boolean | undefined): string {
  return secret ? '(value hidden)' : `(got ${JSON.stringify(value)})`;
}

/** The variable's value, or undefined when it is unset or blank. */
export function readRaw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The entries of a comma-separated variable, trimmed, blank ones dropped; none when it is unset. */
export function readList(env: Env, name: string): string[] {
  const value = readRaw(env, name);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export function requireString(env: Env, name: string, spec: Described): string {
  const value = readRaw(env, name);
  if (value === undefined) {
    const why = env[name] === undefined ? 'is not set' : 'is empty';
    throw new ConfigError(name, why, spec.example);
  }
  return value;
}

export function readInt(
  env: Env,
  name: string,
  spec: Described & { default: number; min: number; max: number },
): number {
  const value = readRaw(env, name);
  if (value === undefined) return spec.default;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < spec.min || parsed > spec.max) {
    throw new ConfigError(
      name,
      `must be a whole number from ${spec.min} to ${spec.max} ${shown(value, spec.secret)}`,
      spec.example,
    );
  }
  return parsed;
}

/** One whole-number variable: its name, its default (also the example in errors) and its range. */
export interface IntVariable {
  name: string;
  default: number;
  min: number;
  max: number;
}

/**
 * Reads a table of whole-number variables, in the table's order, into an object with the
 * table's keys: a fragment declares its numbers instead of repeating readInt calls.
 */
export function readInts<K extends string>(env: Env, table: Readonly<Record<K, IntVariable>>): Record<K, number> {
  const values = {} as Record<K, number>;
  for (const key of Object.keys(table) as K[]) {
    const variable = table[key];
    values[key] = readInt(env, variable.name, { ...variable, example: String(variable.default) });
  }
  return values;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const value = readRaw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new ConfigError(name, `must be true or false ${shown(value, false)}`, String(fallback));
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = readRaw(env, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(name, `must be one of ${allowed.join(', ')} ${shown(value, false)}`, fallback);
}

/** An absolute URL with one of the given protocols, without a trailing slash. */
export function readUrl(
  env: Env,
  name: string,
  spec: Described & { protocols: readonly string[]; default?: string },
): string {
  const value = readRaw(env, name) ?? spec.default;
  if (value === undefined) return requireString(env, name, spec);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not an absolute URL ${shown(value, spec.secret)}`, spec.example);
  }
  if (!spec.protocols.includes(url.protocol)) {
    const expected = spec.protocols.map((p) => `${p}//`).join(' or ');
    throw new ConfigError(name, `must start with ${expected} ${shown(value, spec.secret)}`, spec.example);
  }
  return value.replace(/\/+$/, '');
}

/** A provider's endpoint: its public address unless set (an emulator's, plain http allowed), which is also the example. */
export function readEndpointUrl(env: Env, name: string, publicUrl: string): string {
  return readUrl(env, name, { protocols: ['https:', 'http:'], default: publicUrl, example: publicUrl });
}

/** A base64 (or base64url) value that must decode to exactly `bytes` bytes. */
export function readKeyBytes(env: Env, name: string, spec: Described & { bytes: number }): Buffer {
  const value = requireString(env, name, spec);
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (decoded.length !== spec.bytes) {
    throw new ConfigError(
      name,
      `must be ${spec.bytes} bytes encoded as base64 (decoded to ${decoded.length} bytes)`,
      spec.example,
    );
  }
  return decoded;
}
