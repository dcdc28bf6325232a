import { beforeAll, describe, expect, it } from '@jest/globals';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

describe('GET and PATCH /v1/me', () => {
  const bed = useApiTestBed();
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    const ada = await newOrg(bed.db, {
      name: 'Ada',
      email: 'ada@acme.test',
      phone: '+4915112345678',
      timezone: 'Europe/Berlin',
    });
    token = ada.token;
    otherToken = (await newOrg(bed.db, { email: 'bob@other.test', phone: null })).token;
  });

  // Real HTTP over loopback, the way clients call it.
  const request = async (path: string, init: RequestInit) => {
    const response = await fetch(`${bed.api.base}${path}`, init);
    const text = await response.text();
    return { statusCode: response.status, json: () => JSON.parse(text) as unknown };
  };
  const me = (headers: Record<string, string>) => request('/v1/me', { headers });
  const patch = (body: string, contentType = 'application/json') =>
    request('/v1/me', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    });

  it('returns the caller, and only the caller', async () => {
    const response = await me({ authorization: `Bearer ${token}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      email: 'ada@acme.test',
      name: 'Ada',
      phone_e164: '+4915112345678',
      timezone: 'Europe/Berlin',
      role: 'admin',
    });
    const other = await me({ authorization: `Bearer ${otherToken}` });
    expect(other.json()).toMatchObject({ email: 'bob@other.test' });
  });

  it('stores only a hash of the token', async () => {
    const rows = await bed.db.sql`select token_hash from api_tokens`;
    expect(rows.length).toBe(2);
    for (const row of rows) expect(row.token_hash).not.toContain('nudge_');
    expect(JSON.stringify(rows)).not.toContain(token.slice(6));
  });

  it.each([
    ['no header', {}, /missing/],
    ['a malformed header', { authorization: `Token ${'x'.repeat(10)}` }, /must be "Bearer <token>"/],
    ['an unknown token', { authorization: `Bearer nudge_${'A'.repeat(43)}` }, /unknown/],
    ['a token of the wrong shape', { authorization: "Bearer ' or 1=1 --" }, /must be "Bearer <token>"|unknown/],
  ])('answers 401 in the error format for %s', async (_name, headers, message) => {
    const response = await me(headers as Record<string, string>);
    expect(response.statusCode).toBe(401);
    const body = response.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toMatch(message);
  });

  it('rejects a revoked token', async () => {
    const bob = await newOrg(bed.db, { phone: null });
    expect((await me({ authorization: `Bearer ${bob.token}` })).statusCode).toBe(200);
    await bed.db.sql`update api_tokens set revoked_at = now() where user_id = ${bob.userId}`;
    expect((await me({ authorization: `Bearer ${bob.token}` })).statusCode).toBe(401);
  });

  it('updates name, phone and timezone', async () => {
    const response = await patch(
      JSON.stringify({ name: 'Ada L.', phone_e164: '+15005550006', timezone: 'America/New_York' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Ada L.', phone_e164: '+15005550006', timezone: 'America/New_York' });
    const [row] = await bed.db.sql`select name, phone_e164, timezone from users where email = 'ada@acme.test'`;
    expect(row).toEqual({ name: 'Ada L.', phone_e164: '+15005550006', timezone: 'America/New_York' });
    expect((await patch(JSON.stringify({ phone_e164: null }))).json()).toMatchObject({ phone_e164: null });
  });

  it.each([
    ['a phone number that is not E.164', { phone_e164: '0151 1234' }, 400, 'validation_failed', /phone_e164/],
    ['a time zone that is not IANA', { timezone: 'Mars/Olympus' }, 400, 'validation_failed', /IANA time zone/],
    ['an offset instead of a zone', { timezone: '+01:00' }, 400, 'validation_failed', /IANA time zone/],
    ['an unknown field', { role: 'admin' }, 400, 'validation_failed', /additional properties/],
    ['an empty body', {}, 400, 'validation_failed', /fewer than 1 properties/],
    ['a name of the wrong type', { name: ['x'] }, 400, 'validation_failed', /name/],
  ])('rejects %s with a clear 400', async (_name, body, status, code, message) => {
    const response = await patch(JSON.stringify(body));
    expect(response.statusCode).toBe(status);
    const error = (response.json() as { error: { code: string; message: string; details?: unknown } }).error;
    expect(error.code).toBe(code);
    expect(`${error.message} ${JSON.stringify(error.details)}`).toMatch(message);
  });

  it('answers malformed JSON with 400, a wrong content type with 415 and a huge body with 413', async () => {
    const bad = await patch('{"name":');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const xml = await patch('<name>x</name>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const huge = await patch(JSON.stringify({ name: 'x'.repeat(200_000) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('answers unknown routes with 404 in the same format', async () => {
    const response = await request('/v1/nope?x=1', {});
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /v1/nope' } });
  });
});
