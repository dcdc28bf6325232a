/**
 * What `pnpm start` reads from its environment, read once here (its configuration module).
 * Everything else in the local run takes these settings as arguments.
 */
export interface LocalSettings {
  /** Set by the operator: use this database instead of an embedded one. */
  databaseUrl: string | undefined;
  /** Set by the operator; otherwise a Redis on 127.0.0.1:6379 is used when one answers. */
  redisUrl: string | undefined;
  /** FEATURE_ESCALATION_ENABLED as the operator set it (undefined: the local run decides). */
  escalation: boolean | undefined;
  /** Real Google credentials in the environment: use the real services and seed nothing. */
  realServices: boolean;
  /** Secrets, the embedded database's files and the demo's token live here (gitignored). */
  localDir: string;
  ports: { api: number; calls: number; worker: number };
  /** The demo meeting's timing; shorter in the automated test of the demo. */
  demo: { meetingInSeconds: number; leadSeconds: number; escalateAfterSeconds: number };
  /** Everything the operator set, passed on to the roles (their settings win over local defaults). */
  passThrough: Record<string, string>;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, for example ${fallback}; got "${value}"`);
  return parsed;
}

const port = (env: NodeJS.ProcessEnv, name: string, fallback: number) => integer(env, name, fallback, 1, 65_535);

export function readLocalSettings(env: NodeJS.ProcessEnv, repoRoot: string): LocalSettings {
  const flag = env.FEATURE_ESCALATION_ENABLED;
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    escalation: flag === undefined || flag === '' ? undefined : flag === 'true',
    realServices: (env.GOOGLE_CLIENT_ID ?? '') !== '',
    localDir: env.NUDGE_LOCAL_DIR || `${repoRoot}.local`,
    ports: {
      api: port(env, 'LOCAL_API_PORT', 3000),
      calls: port(env, 'LOCAL_CALLS_PORT', 3001),
      worker: port(env, 'LOCAL_WORKER_PORT', 3002),
    },
    demo: {
      // Six minutes out with a five-minute lead: the alert is due one minute after the start.
      meetingInSeconds: integer(env, 'NUDGE_DEMO_MEETING_IN_SECONDS', 360, 60, 86_400),
      leadSeconds: integer(env, 'NUDGE_DEMO_LEAD_SECONDS', 300, 60, 86_400),
      escalateAfterSeconds: integer(env, 'NUDGE_DEMO_ESCALATE_AFTER_SECONDS', 45, 30, 86_400),
    },
    passThrough: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  };
}
