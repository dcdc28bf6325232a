import { describe, expect, it } from '@jest/globals';
import { newOrg, useApiTestBed } from '../testing/api-under-test.js';

const PER_ORG = 10;

/** An organisation's admin can mint users and tokens; their requests still share one budget. */
describe('the per-organisation rate limit', () => {
  const bed = useApiTestBed({
    env: {
      RATE_LIMIT_PER_TOKEN_PER_MINUTE: '100',
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100',
      RATE_LIMIT_PER_ORG_PER_MINUTE: String(PER_ORG),
    },
  });

  it("many tokens of one organisation are limited together, far below each token's own limit; another organisation is unaffected", async () => {
    const minter = await newOrg(bed.db);
    const bystander = await newOrg(bed.db);
    const tokens: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const created = await bed.api.request('/v1/admin/users', {
        method: 'POST',
        token: minter.token,
        body: { email: `minted${i}@minter.test`, name: `Minted ${i}` },
      });
      if (created.status !== 201) break;
      tokens.push(created.json<{ token: string }>().token);
    }
    expect(tokens.length).toBeGreaterThanOrEqual(3);

    const statuses: number[] = [];
    let refusal: { status: number; retryAfter: string | null; body: unknown } | undefined;
    for (let i = 0; i < 36; i += 1) {
      const response = await bed.api.request('/v1/me', { token: tokens[i % tokens.length]! });
      statuses.push(response.status);
      if (response.status === 429)
        refusal = { status: 429, retryAfter: response.headers.get('retry-after'), body: response.json() };
    }
    // Each token sent at most 12 requests, its own limit is 100: only the organisation's budget refuses.
    const firstRefused = statuses.indexOf(429);
    expect(firstRefused).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRefused).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(firstRefused).every((s) => s === 429)).toBe(true);
    // A token's first call is counted against the address (it is not yet proven), then against the organisation.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(PER_ORG + tokens.length);
    expect(refusal).toEqual({
      status: 429,
      retryAfter: expect.stringMatching(/^\d+$/),
      body: { error: { code: 'rate_limited', message: expect.stringMatching(/from your organisation/) } },
    });
    expect((await bed.api.request('/v1/admin/users', { token: minter.token })).status).toBe(429);

    const other = [];
    for (let i = 0; i < 5; i += 1) other.push((await bed.api.request('/v1/me', { token: bystander.token })).status);
    expect(other).toEqual([200, 200, 200, 200, 200]);
    expect((await bed.api.request('/health/ready')).status).toBe(200);
  });
});
