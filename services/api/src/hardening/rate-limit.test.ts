import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectRedis, type Redis } from '@nudge/service';
import { capturingLogger, RedisServer } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { newOrg, startApi, type ApiUnderTest } from '../testing/api-under-test.js';

const limits = { RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '5', RATE_LIMIT_PER_TOKEN_PER_MINUTE: '8' };
const madeUpToken = () => `nudge_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;

describe('rate limits', () => {
  const db = useTestDatabase();

  describe('in memory', () => {
    let api: ApiUnderTest;
    beforeAll(async () => {
      api = await startApi(db, { env: limits });
    });
    afterAll(async () => {
      await api.close();
    });

    it('limit unauthenticated calls per address, answering 429 in the error format with Retry-After', async () => {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await api.request('/checkin/AAAAAAAAAAAAAAAAAAAAAAAA')).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
      const refused = await api.request('/checkin/AAAAAAAAAAAAAAAAAAAAAAAA');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.json()).toEqual({
        error: { code: 'rate_limited', message: expect.stringMatching(/^too many requests; try again in \d+ s$/) },
      });
      // Health and metrics stay reachable for monitors.
      expect((await api.request('/health/live')).status).toBe(200);
    });

    it('count made-up tokens against the address, and give a proven token its own bucket', async () => {
      const fresh = await startApi(db, { env: limits });
      try {
        const sprayed = [];
        for (let i = 0; i < 6; i += 1) sprayed.push((await fresh.request('/v1/me', { token: madeUpToken() })).status);
        expect(sprayed).toEqual([401, 401, 401, 401, 401, 429]);

        const { token } = await newOrg(db);
        const other = await newOrg(db);
        // A token's first call still counts against the address (it is not proven yet): use an app whose address bucket is unspent.
        const owner = await startApi(db, { env: limits });
        try {
          const mine = [];
          for (let i = 0; i < 10; i += 1) mine.push((await owner.request('/v1/me', { token })).status);
          expect(mine.slice(0, 9).every((s) => s === 200)).toBe(true);
          expect(mine[9]).toBe(429);
          expect((await owner.request('/v1/me', { token: other.token })).status).toBe(200);
        } finally {
          await owner.close();
        }
      } finally {
        await fresh.close();
      }
    });
  });

  it('share counters between replicas through Redis (RATE_LIMIT_STORE=redis)', async () => {
    const redisServer = await RedisServer.start();
    const { logger } = capturingLogger();
    const clients: Redis[] = [];
    const replicas: ApiUnderTest[] = [];
    try {
      for (let i = 0; i < 2; i += 1) {
        const redis = await connectRedis(redisServer.url, logger, 'rate-limit');
        clients.push(redis);
        replicas.push(
          await startApi(db, { env: { ...limits, RATE_LIMIT_STORE: 'redis', REDIS_URL: redisServer.url }, redis }),
        );
      }
      const statuses = [];
      for (let i = 0; i < 6; i += 1)
        statuses.push((await replicas[i % 2]!.request('/checkin/BBBBBBBBBBBBBBBBBBBBBBBB')).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      for (const client of clients) client.disconnect();
      await redisServer.stop();
    }
  });
});
