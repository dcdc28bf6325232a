import { ConfigError } from './config-error.js';
import type { Env } from './env-reader.js';

/**
 * Stand-ins for the variables whose error example is a hint rather than a value (keys that
 * must decode to a length). Only the check uses them, to read on past a bad value.
 */
const STAND_INS: Readonly<Record<string, string>> = {
  VAPID_PUBLIC_KEY: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'),
  VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
  CREDENTIALS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  METRICS_TOKEN: 'a'.repeat(64),
};

export interface ConfigCheck {
  /** Every bad variable, in the order the role reads them. */
  problems: ConfigError[];
  /**
   * False when a variable stayed bad even with a good stand-in value, so the variables read
   * after it were not checked.
   */
  complete: boolean;
}

/**
 * Runs a role's parse over the environment and reports every bad variable, not just the first:
 * each time parse stops at one, that variable is set to a good value and parse runs again.
 */
export function checkConfig(parse: (env: Env) => unknown, env: Env): ConfigCheck {
  const patched: Record<string, string | undefined> = { ...env };
  const problems: ConfigError[] = [];
  const seen = new Set<string>();
  for (;;) {
    try {
      parse(patched);
      return { problems, complete: true };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (seen.has(err.variable)) return { problems, complete: false };
      seen.add(err.variable);
      problems.push(err);
      patched[err.variable] = STAND_INS[err.variable] ?? err.example;
    }
  }
}
