import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RULE_SETTINGS, planAlerts } from '@nudge/alerts';
import { insertMeeting } from '@nudge/testkit';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

describe('reading the alert rule never writes', () => {
  const bed = useApiTestBed();
  const storedRules = (userId: string) => bed.db.sql`select id from alert_rules where user_id = ${userId}`;

  it('GET /v1/rules of a user who never saved a rule shows the defaults and stores nothing', async () => {
    const { token, userId } = await newOrg(bed.db);
    for (let i = 0; i < 2; i += 1) {
      const response = await bed.api.request('/v1/rules', { token });
      expect(response.status).toBe(200);
      // That these are the column defaults of alert_rules is checked below, against a stored rule.
      expect(response.json()).toEqual({ id: null, ...DEFAULT_RULE_SETTINGS, updated_at: null });
    }
    expect(await storedRules(userId)).toEqual([]);
  });

  it('the first PUT stores the rule; a GET after it shows the stored one', async () => {
    const { token, userId } = await newOrg(bed.db);
    const { id: _id, updated_at: _updated, ...defaults } = (await bed.api.request('/v1/rules', { token })).json();
    const put = await bed.api.request('/v1/rules', { method: 'PUT', token, body: { ...defaults, lead_seconds: 900 } });
    expect(put.status).toBe(200);
    const [stored] = await storedRules(userId);
    expect(stored).toBeDefined();
    expect((await bed.api.request('/v1/rules', { token })).json()).toMatchObject({
      id: stored!.id,
      lead_seconds: 900,
      updated_at: expect.any(String),
    });
  });

  it('the planner still plans for a user without a stored rule, with exactly the defaults GET showed', async () => {
    const { token, userId } = await newOrg(bed.db);
    const { id: _id, updated_at: _updated, ...shown } = (await bed.api.request('/v1/rules', { token })).json();
    const startsAt = new Date(Date.now() + 3_600_000);
    const meetingId = await insertMeeting(bed.db.sql, userId, { startsAt, title: 'Retro' });
    await planAlerts(bed.db.sql, [meetingId], new Date());
    const [alert] = await bed.db.sql<{ due_at: Date }[]>`select due_at from alerts where meeting_id = ${meetingId}`;
    expect(alert?.due_at).toEqual(new Date(startsAt.getTime() - (shown.lead_seconds as number) * 1000));
    // The row the planner stored holds the database's column defaults: the same as what GET showed.
    const { id, updated_at, ...stored } = (await bed.api.request('/v1/rules', { token })).json();
    expect(id).toEqual(expect.any(String));
    expect(updated_at).toEqual(expect.any(String));
    expect(stored).toEqual(shown);
  });
});
