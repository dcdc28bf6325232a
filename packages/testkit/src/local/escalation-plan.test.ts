import { describe, expect, it } from '@jest/globals';
import { freePort } from '../free-port.js';
import { escalationPlan } from './escalation-plan.js';

describe('the local run’s escalation decision', () => {
  it('is off, in one line saying how to turn it on, when no Redis answers', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const plan = await escalationPlan(undefined, url);
    expect(plan.on).toBe(false);
    expect(plan.line).toBe(
      `escalation: off, no Redis answers at ${new URL(url).host}; start one (redis-server) or set REDIS_URL to turn it on`,
    );
  });

  it('is off when FEATURE_ESCALATION_ENABLED=false, without looking for Redis', async () => {
    expect(await escalationPlan(false, 'redis://unresolvable.invalid:6379')).toEqual({
      on: false,
      line: 'escalation: off (FEATURE_ESCALATION_ENABLED=false)',
    });
  });
});
