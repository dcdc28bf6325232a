import { describe, expect, it } from '@jest/globals';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

/** What an organisation's admin can learn about other organisations' users through POST /v1/admin/users: nothing. */
describe('adding a user reveals nothing about other organisations', () => {
  const bed = useApiTestBed();

  it("an email another organisation uses gets the same answer as an unused one: 201, a new user in the caller's organisation", async () => {
    const victim = await newOrg(bed.db);
    const [victimUser] = await bed.db.sql<{ email: string }[]>`select email from users where id = ${victim.userId}`;
    const intruder = await newOrg(bed.db);
    const taken = await bed.api.request('/v1/admin/users', {
      method: 'POST',
      token: intruder.token,
      body: { email: victimUser!.email, name: 'Probe' },
    });
    const unused = await bed.api.request('/v1/admin/users', {
      method: 'POST',
      token: intruder.token,
      body: { email: `nobody-${Date.now()}@example.test`, name: 'Probe' },
    });
    expect([taken.status, unused.status]).toEqual([201, 201]);
    expect(taken.json()).toMatchObject({ user: { org_id: intruder.orgId, email: victimUser!.email, name: 'Probe' } });
    expect(taken.text).not.toContain(victim.userId);
    expect(taken.text).not.toContain(victim.orgId);
    // The other organisation's user is untouched and still the only one it has.
    expect(await bed.db.sql`select id, name from users where org_id = ${victim.orgId}`).toEqual([
      { id: victim.userId, name: expect.stringMatching(/^Admin /) },
    ]);
  });

  it("an email already in the caller's own organisation is a 409 that says so", async () => {
    const admin = await newOrg(bed.db);
    const body = { email: `twice-${Date.now()}@example.test`, name: 'Twice' };
    expect((await bed.api.request('/v1/admin/users', { method: 'POST', token: admin.token, body })).status).toBe(201);
    const again = await bed.api.request('/v1/admin/users', { method: 'POST', token: admin.token, body });
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({
      error: { code: 'conflict', message: `your organisation already has a user with the email ${body.email}` },
    });
  });
});
