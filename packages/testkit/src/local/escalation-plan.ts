import { redisAnswers } from './redis-probe.js';

export interface EscalationPlan {
  on: boolean;
  redisUrl?: string;
  /** The one line that says what was decided and how to change it. */
  line: string;
}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/**
 * Escalation needs Redis (its BullMQ queue): REDIS_URL, or a Redis answering on 127.0.0.1:6379.
 * It is on whenever one answers, unless FEATURE_ESCALATION_ENABLED=false says otherwise.
 */
export async function escalationPlan(
  requested: boolean | undefined,
  redisUrl: string | undefined,
): Promise<EscalationPlan> {
  if (requested === false) return { on: false, line: 'escalation: off (FEATURE_ESCALATION_ENABLED=false)' };
  const url = redisUrl ?? LOCAL_REDIS;
  if (await redisAnswers(url))
    return { on: true, redisUrl: url, line: `escalation: on, Redis at ${new URL(url).host}` };
  return {
    on: false,
    line: `escalation: off, no Redis answers at ${new URL(url).host}; start one (redis-server) or set REDIS_URL to turn it on`,
  };
}
