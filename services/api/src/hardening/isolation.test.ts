import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@nudge/testkit';
import { startApi, type ApiUnderTest } from '../testing/api-under-test.js';
import { isAdminRoute, isOperatorRoute, PUBLIC_ROUTES, seedTenants } from '../testing/route-fixtures.js';

/**
 * Every route, called as everyone who must not get in: no token, a malformed header, a revoked
 * token, a member on admin routes, a non-operator on deployment routes, another organisation.
 */
describe('tenant isolation on every route', () => {
  let db: TestDatabase;
  let api: ApiUnderTest;
  let tenants: Awaited<ReturnType<typeof seedTenants>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Every route is called many times from one address: limits are not what this test is about.
    api = await startApi(db, {
      env: { RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100000', RATE_LIMIT_PER_TOKEN_PER_MINUTE: '100000' },
    });
    tenants = await seedTenants(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const protectedRoutes = () =>
    api.app.routeInventory.filter((r) => !r.hidden && !PUBLIC_ROUTES.has(`${r.method} ${r.url}`));

  async function call(method: string, url: string, headers: Record<string, string>) {
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
    return api.request(tenants.fillPath(url), {
      method,
      headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    });
  }

  function expectNothingLeaked(text: string) {
    for (const secret of tenants.secrets) expect(text).not.toContain(secret);
  }

  it('covers the routes it should', () => {
    expect(protectedRoutes().length).toBeGreaterThan(15);
  });

  it.each([
    ['no token', {}],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bearer without a token', { authorization: 'Bearer' }],
    ['a token of the wrong shape', { authorization: 'Bearer abc' }],
  ])('%s gets 401 on every protected route', async (_name, headers) => {
    for (const route of protectedRoutes()) {
      const response = await call(route.method, route.url, headers);
      expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 401,
      });
      expect(response.json<{ error: { code: string } }>().error.code).toBe('unauthorized');
      expectNothingLeaked(response.text);
    }
  });

  it('a revoked token gets 401 on every protected route', async () => {
    for (const route of protectedRoutes()) {
      const response = await call(route.method, route.url, { authorization: `Bearer ${tenants.revokedToken}` });
      expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 401,
      });
    }
  });

  it('a member gets 403 on organisation admin routes, and a non-operator admin on deployment routes', async () => {
    for (const route of protectedRoutes().filter((r) => isAdminRoute(r.url) || isOperatorRoute(r.url))) {
      const response = await call(route.method, route.url, { authorization: `Bearer ${tenants.memberToken}` });
      expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 403,
      });
    }
    for (const route of protectedRoutes().filter((r) => isOperatorRoute(r.url))) {
      const response = await call(route.method, route.url, { authorization: `Bearer ${tenants.intruder.token}` });
      expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 403,
      });
    }
  });

  it("another organisation's admin gets 404 for the victim's resources and sees none of them in lists", async () => {
    const headers = { authorization: `Bearer ${tenants.intruder.token}` };
    for (const route of protectedRoutes().filter((r) => r.url.includes(':') && !isOperatorRoute(r.url))) {
      const response = await call(route.method, route.url, headers);
      expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 404,
      });
      expectNothingLeaked(response.text);
    }
    for (const route of protectedRoutes().filter(
      (r) => r.method === 'GET' && !r.url.includes(':') && !isOperatorRoute(r.url),
    )) {
      const response = await call(route.method, route.url, headers);
      expect(response.status).toBeLessThan(500);
      expectNothingLeaked(response.text);
    }
    const [alert] = await db.sql`select state from alerts where id = ${tenants.alertId}`;
    expect(alert?.state).toBe('notified');
  });

  it('the victim does get their own alert (the test can tell the difference)', async () => {
    const response = await api.request(`/v1/alerts/${tenants.alertId}`, { token: tenants.victim.token });
    expect(response.status).toBe(200);
    expect(response.text).toContain('Victim secret meeting');
  });
});
