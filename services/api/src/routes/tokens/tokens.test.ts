import { beforeAll, describe, expect, it } from '@jest/globals';
import { generateApiToken, hashApiToken } from '../../auth/api-token.js';
import { createUser } from '../../orgs/create-user.js';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

const DAY_MS = 86_400_000;

describe('personal access tokens', () => {
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const bed = useApiTestBed({ clock });
  let orgId: string;
  let operatorToken: string;
  let memberToken: string;
  let memberId: string;
  let otherToken: string;

  /** A member of the operator's organisation, without a phone. */
  const addMember = (email: string, name: string) =>
    createUser(bed.db.sql, { orgId, email, name, phoneE164: null, timezone: 'UTC', role: 'member' });

  beforeAll(async () => {
    const org = await newOrg(bed.db, { phone: null, operator: true });
    orgId = org.orgId;
    operatorToken = org.token;
    const created = await addMember('mem@ops.test', 'Mem');
    memberToken = created.token;
    memberId = created.user.id;
    otherToken = (await addMember('other@ops.test', 'Other')).token;
  });

  async function call(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
    const response = await bed.api.request(path, { ...init, token });
    return { status: response.status, body: (response.text === '' ? undefined : response.json()) as any };
  }
  const create = (token: string, body: unknown) => call(token, '/v1/me/tokens', { method: 'POST', body });

  it('creates a named token that expires in 90 days by default, shows it once and lists it without the secret', async () => {
    const created = await create(memberToken, { name: 'laptop CLI' });
    expect(created.status).toBe(201);
    const { token, prefix, expires_at, id } = created.body;
    expect(token).toMatch(/^nudge_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBe(12);
    expect(Math.abs(new Date(expires_at).getTime() - (Date.now() + 90 * DAY_MS))).toBeLessThan(60_000);

    expect((await call(token, '/v1/me')).body.email).toBe('mem@ops.test');
    const listed = await call(memberToken, '/v1/me/tokens');
    expect(listed.status).toBe(200);
    const entry = listed.body.find((t: { id: string }) => t.id === id);
    expect(entry).toEqual({
      id,
      name: 'laptop CLI',
      prefix,
      created_at: created.body.created_at,
      last_used_at: expect.any(String),
      expires_at,
    });
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(prefix.length));
    const [row] = await bed.db.sql`select token_hash from api_tokens where id = ${id}`;
    expect(row!.token_hash).toBe(hashApiToken(token));
  });

  it('lists only the caller’s own tokens', async () => {
    const mine = await call(otherToken, '/v1/me/tokens');
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0].name).toBe('created by an admin');
  });

  it('answers a revoked token with 401 token_revoked, and revokes only the caller’s own tokens', async () => {
    const { body } = await create(memberToken, { name: 'to revoke', expires_in_days: 7 });
    expect((await call(otherToken, `/v1/me/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(body.token, '/v1/me')).status).toBe(200);
    expect((await call(memberToken, `/v1/me/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(204);
    const refused = await call(body.token, '/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('token_revoked');
    expect((await call(memberToken, '/v1/me/tokens')).body.some((t: { id: string }) => t.id === body.id)).toBe(false);
    expect((await call(memberToken, `/v1/me/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers an expired token with 401 token_expired', async () => {
    const { body } = await create(memberToken, { name: 'one day', expires_in_days: 1 });
    expect((await call(body.token, '/v1/me')).status).toBe(200);
    offsetMs = DAY_MS + 1_000;
    try {
      const refused = await call(body.token, '/v1/me');
      expect(refused.status).toBe(401);
      expect(refused.body.error).toEqual({ code: 'token_expired', message: expect.stringMatching(/expired/) });
      // Listed still, so its owner sees it ran out.
      expect(
        (await call(memberToken, '/v1/me/tokens')).body.find((t: { id: string }) => t.id === body.id),
      ).toBeDefined();
    } finally {
      offsetMs = 0;
    }
  });

  it('allows a token that never expires only to operators', async () => {
    const refused = await create(memberToken, { name: 'forever', expires_in_days: null });
    expect(refused.status).toBe(403);
    const allowed = await create(operatorToken, { name: 'monitoring', expires_in_days: null });
    expect(allowed.status).toBe(201);
    expect(allowed.body.expires_at).toBeNull();
  });

  it.each([
    ['no name', { expires_in_days: 5 }],
    ['an empty name', { name: '' }],
    ['zero days', { name: 'x', expires_in_days: 0 }],
    ['more than a year', { name: 'x', expires_in_days: 400 }],
    ['fractional days', { name: 'x', expires_in_days: 1.5 }],
    ['an unknown field', { name: 'x', scopes: ['admin'] }],
  ])('refuses %s with a 400', async (_name, body) => {
    const answer = await create(memberToken, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
  });

  it('keeps a token made before expiry and prefixes existed working, with no expiry', async () => {
    const legacy = generateApiToken();
    await bed.db
      .sql`insert into api_tokens (user_id, token_hash, name) values (${memberId}, ${hashApiToken(legacy)}, 'default')`;
    expect((await call(legacy, '/v1/me')).status).toBe(200);
    const entry = (await call(memberToken, '/v1/me/tokens')).body.find((t: { name: string }) => t.name === 'default');
    expect(entry).toMatchObject({ prefix: null, expires_at: null });
  });

  it('caps the working tokens a person holds, counting neither revoked nor expired ones', async () => {
    const { token } = await addMember('mint@ops.test', 'Mint');
    const made: string[] = [];
    for (let i = 1; i < 50; i += 1) {
      const answer = await create(token, { name: `t${i}`, expires_in_days: 1 });
      expect(answer.status).toBe(201);
      made.push(answer.body.id);
    }
    const refused = await create(token, { name: 'one too many' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/revoke one/);
    expect((await call(token, `/v1/me/tokens/${made[0]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await create(token, { name: 'after revoking' })).status).toBe(201);
  });

  it('records when a token was last used', async () => {
    const { body } = await create(memberToken, { name: 'fresh', expires_in_days: 3 });
    expect(
      (await call(memberToken, '/v1/me/tokens')).body.find((t: { id: string }) => t.id === body.id).last_used_at,
    ).toBeNull();
    await call(body.token, '/v1/me');
    expect(
      (await call(memberToken, '/v1/me/tokens')).body.find((t: { id: string }) => t.id === body.id).last_used_at,
    ).not.toBeNull();
  });
});
