import { describe, expect, it } from '@jest/globals';
import { insertMeeting } from '@nudge/testkit';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

const valid = {
  lead_seconds: 300,
  escalate_after_seconds: 120,
  max_call_attempts: 3,
  call_retry_seconds: 60,
  only_accepted: false,
  min_attendees: 2,
  title_keywords: ['standup'],
  quiet_hours: { start: '22:00', end: '07:00', allow_accepted: true },
  enabled: true,
};

describe('GET and PUT /v1/rules', () => {
  const bed = useApiTestBed();

  it('returns the defaults for a user who never set a rule', async () => {
    const { token } = await newOrg(bed.db);
    const response = await bed.api.request('/v1/rules', { token });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      lead_seconds: 600,
      escalate_after_seconds: 180,
      max_call_attempts: 2,
      call_retry_seconds: 120,
      only_accepted: true,
      title_keywords: [],
      quiet_hours: null,
      enabled: true,
    });
  });

  it("replaces the rule and re-plans the caller's upcoming meetings", async () => {
    const { token, userId } = await newOrg(bed.db);
    const startsAt = new Date(Date.now() + 3_600_000);
    const meetingId = await insertMeeting(bed.db.sql, userId, { startsAt, title: 'Standup', attendeeCount: 3 });
    const put = await bed.api.request('/v1/rules', { method: 'PUT', token, body: valid });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject(valid);
    expect((await bed.api.request('/v1/rules', { token })).json()).toMatchObject(valid);
    const [alert] = await bed.db.sql`select due_at from alerts where meeting_id = ${meetingId}`;
    expect(alert?.due_at).toEqual(new Date(startsAt.getTime() - 300_000));
  });

  it.each([
    ['a lead under 60 s', { lead_seconds: 59 }, /lead_seconds must be >= 60/],
    ['a lead over 24 h', { lead_seconds: 86_401 }, /lead_seconds must be <= 86400/],
    ['a negative attempt count', { max_call_attempts: -1 }, /max_call_attempts must be >= 0/],
    ['a retry delay under 30 s', { call_retry_seconds: 5 }, /call_retry_seconds must be >= 30/],
    [
      'quiet hours that are not HH:MM',
      { quiet_hours: { start: '25:00', end: '07:00', allow_accepted: false } },
      /quiet_hours/,
    ],
    ['keywords that are not strings', { title_keywords: [1] }, /title_keywords/],
    ['a string where a number belongs', { lead_seconds: '300' }, /lead_seconds must be integer/],
  ])('rejects %s with a 400 naming the field', async (_name, change, message) => {
    const { token } = await newOrg(bed.db);
    const response = await bed.api.request('/v1/rules', { method: 'PUT', token, body: { ...valid, ...change } });
    expect(response.status).toBe(400);
    const { error } = response.json<{ error: { code: string; message: string; details: unknown } }>();
    expect(error.code).toBe('validation_failed');
    expect(`${error.message} ${JSON.stringify(error.details)}`).toMatch(message);
  });

  it('rejects a rule with a field missing', async () => {
    const { token } = await newOrg(bed.db);
    const { enabled: _e, ...partial } = valid;
    const response = await bed.api.request('/v1/rules', { method: 'PUT', token, body: partial });
    expect(response.status).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(
      /must have required property 'enabled'/,
    );
  });
});
