/**
 * A bad environment variable. The message is one line an operator can act on:
 * the variable, what is wrong, and an example of a good value. It never holds a secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly example: string,
  ) {
    super(`${variable} ${problem}; example: ${variable}=${example}`);
  }
}
