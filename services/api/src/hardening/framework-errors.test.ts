import { describe, expect, it } from '@jest/globals';
import { rawHttpRequest } from '@nudge/testkit';
import { newOrg, useApiTestBed } from '../testing/api-under-test.js';

const errorFormat = (code: string) => ({ error: { code, message: expect.any(String) } });

/** What fastify's router and Node's HTTP parser refuse still leaves in the documented error format. */
describe('errors raised before any route runs', () => {
  const bed = useApiTestBed();

  it.each(['/v1/alerts/%zz', '/checkin/%zz', '/%zz', '/v1/alerts/%E0%A4%A'])(
    'a path that is not valid percent-encoding (%s) is a 400 bad_url',
    async (path) => {
      const { token } = await newOrg(bed.db);
      const response = await bed.api.request(path, { token });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.json()).toEqual(errorFormat('bad_url'));
      expect(response.text).not.toContain('FST_');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it("a path parameter over the router's limit is a 414 uri_too_long", async () => {
    const { token } = await newOrg(bed.db);
    for (const path of [`/v1/alerts/${'a'.repeat(300)}`, `/checkin/${'a'.repeat(300)}`]) {
      const response = await bed.api.request(path, { token, method: path.startsWith('/checkin') ? 'POST' : 'GET' });
      expect(response.status).toBe(414);
      expect(response.json()).toEqual(errorFormat('uri_too_long'));
    }
  });

  it('oversized headers are a 431 headers_too_large', async () => {
    const response = await rawHttpRequest(
      bed.api.base,
      `GET /v1/me HTTP/1.1\r\nHost: api\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual(errorFormat('headers_too_large'));
  });

  it('bytes that are not HTTP are a 400 bad_request', async () => {
    for (const request of ['NONSENSE\r\n\r\n', 'GET /v1/me HTTP/1.1\r\nHost: api\r\nContent-Length: abc\r\n\r\n']) {
      const response = await rawHttpRequest(bed.api.base, request);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual(errorFormat('bad_request'));
    }
  });

  it('the server keeps serving after all of these', async () => {
    expect((await bed.api.request('/health/live')).status).toBe(200);
  });
});
