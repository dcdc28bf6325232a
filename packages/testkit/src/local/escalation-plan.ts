import { redisAnswers } from './redis-probe.js';

export interface EscalationPlan {
  on: boolean;
  redisUrl?: string;
  /** The one line that says what was decided and how to change it. */
  line: string;
}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/**
 * Until the escalation worker (phone calls through the BullMQ queue) is merged, the local run
 * leaves escalation off unless asked; with it, this becomes true so that a Redis found is used.
 */
export const ESCALATION_BY_DEFAULT = false;

/** Escalation needs Redis: REDIS_URL, or a Redis answering on 127.0.0.1:6379. */
export async function escalationPlan(requested: boolean | undefined, redisUrl: string | undefined): Promise<EscalationPlan> {
  const wanted = requested ?? ESCALATION_BY_DEFAULT;
  if (!wanted) {
    return {
      on: false,
      line:
        requested === false
          ? 'escalation: off (FEATURE_ESCALATION_ENABLED=false)'
          : 'escalation: off (this build places no calls yet); FEATURE_ESCALATION_ENABLED=true with REDIS_URL, or a Redis on 127.0.0.1:6379, turns it on',
    };
  }
  const url = redisUrl ?? LOCAL_REDIS;
  if (await redisAnswers(url)) return { on: true, redisUrl: url, line: `escalation: on, Redis at ${new URL(url).host}` };
  return {
    on: false,
    line: `escalation: off, no Redis answers at ${new URL(url).host}; start one (redis-server) or set REDIS_URL to turn it on`,
  };
}
