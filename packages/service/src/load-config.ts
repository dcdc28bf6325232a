import { ConfigError, type Env } from '@nudge/config';
import { createLogger } from '@nudge/logger';

/**
 * Parses the environment once. A bad variable ends the process with exit code 1 and one log
 * line naming the variable, what is wrong and an example; no secret is ever in that line.
 */
export function loadConfigOrExit<C>(service: string, parse: (env: Env) => C, env: Env = process.env): C {
  try {
    return parse(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const logger = createLogger({ service, instance: `${service}-${process.pid}` });
    logger.fatal({ event: 'config.invalid', variable: err.variable }, err.message);
    process.exit(1);
  }
}
