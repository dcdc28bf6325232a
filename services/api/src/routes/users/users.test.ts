import { describe, expect, it } from '@jest/globals';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

describe('organisation users', () => {
  const bed = useApiTestBed();

  it('an admin adds a member, whose token (shown once) works and is stored only as a hash', async () => {
    const admin = await newOrg(bed.db);
    const created = await bed.api.request('/v1/admin/users', {
      method: 'POST',
      token: admin.token,
      body: { email: 'Bea@Example.test', name: 'Bea', phone_e164: '+4915112345678', timezone: 'Europe/Berlin' },
    });
    expect(created.status).toBe(201);
    const { user, token } = created.json<{
      user: { id: string; org_id: string; role: string; email: string };
      token: string;
    }>();
    expect(user).toMatchObject({ org_id: admin.orgId, role: 'member', email: 'bea@example.test' });
    expect((await bed.api.request('/v1/me', { token })).json()).toMatchObject({ id: user.id });
    expect(JSON.stringify(await bed.db.sql`select * from api_tokens`)).not.toContain(token.slice(6));
    const listed = await bed.api.request('/v1/admin/users', { token: admin.token });
    expect(listed.json<{ email: string }[]>().map((u) => u.email)).toContain('bea@example.test');
    // A member may not add users, nor list them.
    expect((await bed.api.request('/v1/admin/users', { token })).status).toBe(403);
  });

  it("lists only the caller's organisation", async () => {
    const a = await newOrg(bed.db);
    const b = await newOrg(bed.db);
    const listed = await bed.api.request('/v1/admin/users', { token: a.token });
    expect(listed.json<{ org_id: string }[]>().every((u) => u.org_id === a.orgId)).toBe(true);
    expect(listed.text).not.toContain(b.userId);
  });

  it.each([
    [{ email: 'nope', name: 'X' }, 400, /email/],
    [{ email: 'x@y.test', name: 'X', timezone: 'Moon/Base' }, 400, /IANA/],
    [{ email: 'x@y.test', name: 'X', phone_e164: '0151' }, 400, /phone_e164/],
    [{ email: 'x@y.test', name: 'X', role: 'owner' }, 400, /role/],
  ])('rejects %j', async (body, status, message) => {
    const admin = await newOrg(bed.db);
    const response = await bed.api.request('/v1/admin/users', { method: 'POST', token: admin.token, body });
    expect(response.status).toBe(status);
    expect(response.text).toMatch(message);
  });

  it('answers a taken email with 409', async () => {
    const admin = await newOrg(bed.db);
    const body = { email: `dup-${Date.now()}@example.test`, name: 'D' };
    expect((await bed.api.request('/v1/admin/users', { method: 'POST', token: admin.token, body })).status).toBe(201);
    expect((await bed.api.request('/v1/admin/users', { method: 'POST', token: admin.token, body })).status).toBe(409);
  });
});
