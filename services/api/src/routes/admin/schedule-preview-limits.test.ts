import { beforeAll, describe, expect, it } from '@jest/globals';
import { createOrganization } from '../../orgs/create-organization.js';
import { useApiTestBed } from '../../testing/api-under-test.js';

describe('schedule previews out of range', () => {
  const bed = useApiTestBed();
  let operator: string;

  beforeAll(async () => {
    operator = (
      await createOrganization(bed.db.sql, {
        orgName: 'Ops',
        email: 'ops@preview.test',
        name: 'Ops',
        phoneE164: null,
        timezone: 'UTC',
        operator: true,
      })
    ).token;
    await bed.db.sql`
      insert into job_schedules (id, enabled, cron, timezone, missed_policy, overlap_policy)
      values ('calendar-sync', true, '* * * * *', 'UTC', 'skip', 'skip')`;
  });

  it.each([
    ['@every 99999999999h', /longer than the maximum interval of 366 days/],
    ['@every 8785h', /longer than the maximum interval of 366 days/],
    [`@every ${'9'.repeat(150)}ms`, /longer than the maximum interval of 366 days/],
  ])('?cron=%s is a 400 naming the limit, never a 500', async (cron, message) => {
    const response = await bed.api.request(
      `/v1/admin/schedules/calendar-sync/preview?cron=${encodeURIComponent(cron)}`,
      { token: operator },
    );
    expect(response.status).toBe(400);
    const body = response.json<{ error: { code: string; message: string; details: unknown } }>();
    expect(body.error.code).toBe('invalid_schedule');
    expect(body.error.message).toMatch(message);
    expect(body.error.details).toEqual([{ path: 'querystring/cron', message: body.error.message }]);
  });

  it('the longest allowed interval still previews', async () => {
    const response = await bed.api.request(
      `/v1/admin/schedules/calendar-sync/preview?n=3&cron=${encodeURIComponent('@every 8784h')}`,
      { token: operator },
    );
    expect(response.status).toBe(200);
    expect(response.json<{ runs: string[] }>().runs).toHaveLength(3);
  });
});
