import { describe, expect, it } from '@jest/globals';
import { useApiTestBed } from '../testing/api-under-test.js';

describe('HTTP hygiene', () => {
  const bed = useApiTestBed({ env: { CORS_ORIGINS: 'https://app.example.com' } });

  const preflight = (origin: string) =>
    bed.api.request('/v1/me', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('allows cross-origin calls only from configured origins', async () => {
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const refused = await preflight('https://evil.example.net');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends the security headers', async () => {
    const response = await bed.api.request('/health/live');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('gives every response a request id, echoing a sane one the client sent, and logs it', async () => {
    const generated = await bed.api.request('/v1/nope');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await bed.api.request('/v1/me', { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const refused = await bed.api.request('/v1/me', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');
    // A request's own log lines carry its id (here: a refused OAuth callback's warning).
    await bed.api.request('/v1/calendar/google/callback?code=x&state=forged', {
      headers: { 'x-request-id': 'trace-456' },
    });
    expect(bed.api.logLines.filter((line) => line.event === 'calendar.connect.refused')).toEqual([
      expect.objectContaining({ request_id: 'trace-456' }),
    ]);
  });
});
