import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '@nudge/testkit';
import { startApi, type ApiUnderTest } from '../testing/api-under-test.js';
import { seedTenants } from '../testing/route-fixtures.js';

/** CI runs a fixed seed and a few runs per route; `pnpm fuzz` runs many more (FUZZ_RUNS, FUZZ_SEED). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

const nasty = fc.constantFrom(
  "' or 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\uD800',
  '😀'.repeat(50),
  'x'.repeat(100_000),
  '{{7*7}}',
  '${jndi:ldap://x}',
  '-1',
  '1e309',
  'null',
  'NaN',
  '00000000-0000-0000-0000-000000000000',
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 300 }), nasty);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(
        text,
        fc.constantFrom(
          'email',
          'name',
          'timezone',
          'phone_e164',
          'endpoint',
          'keys',
          'lead_seconds',
          '__proto__',
          'constructor',
        ),
      ),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;
/** Deeper than any schema expects. */
const deep = fc.integer({ min: 50, max: 2_000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
});

const request = fc.record({
  pathParam: text,
  query: fc.dictionary(
    fc.oneof(text, fc.constantFrom('from', 'to', 'state', 'n', 'limit', 'job', 'status', 'trigger', 'code', 'state')),
    text,
    { maxKeys: 4 },
  ),
  body: fc.oneof(
    json,
    deep,
    text.map((t) => ({ raw: t })),
  ),
});

describe('fuzzing every route', () => {
  let db: TestDatabase;
  let api: ApiUnderTest;
  let tenants: Awaited<ReturnType<typeof seedTenants>>;
  let secrets: string[];
  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startApi(db, {
      env: { RATE_LIMIT_PER_TOKEN_PER_MINUTE: '1000000', RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000' },
    });
    tenants = await seedTenants(db);
    secrets = [tenants.operator.token, new URL(db.url).password].filter((s) => s.length > 3);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it(`no generated request makes any route answer 500 or echo a secret (${RUNS} runs a route, seed ${SEED})`, async () => {
    const routes = api.app.routeInventory.filter((r) => !r.hidden);
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(request, async ({ pathParam, query, body }) => {
          const path = route.url.replace(/:(\w+)/g, () => encodeURIComponent(pathParam.toWellFormed()));
          const search = new URLSearchParams(query).toString();
          const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
          const raw =
            typeof body === 'object' && body !== null && 'raw' in body
              ? String((body as { raw: unknown }).raw)
              : JSON.stringify(body);
          const response = await api.request(`${path}${search === '' ? '' : `?${search}`}`, {
            method: route.method,
            // The operator can reach every route, so the fuzz gets past authentication.
            headers: {
              authorization: `Bearer ${tenants.operator.token}`,
              ...(hasBody ? { 'content-type': 'application/json' } : {}),
            },
            ...(hasBody ? { body: raw } : {}),
          });
          if (response.status >= 500)
            throw new Error(`${route.method} ${path} answered ${response.status}: ${response.text.slice(0, 300)}`);
          for (const secret of secrets)
            if (response.text.includes(secret)) throw new Error(`${route.method} ${path} echoed a secret`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    }
    expect(routes.length).toBeGreaterThan(20);
  }, 600_000);
});
