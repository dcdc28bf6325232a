import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, insertMeeting, insertUser, type TestDatabase } from '@nudge/testkit';
import { acknowledgeAlert } from './acknowledge.js';
import { planAlerts, planUpcomingForUser, ALERTS_PLANNED_CHANNEL } from './planner.js';
import { loadRule, saveRule } from './rules.js';

const now = new Date('2026-11-23T12:00:00Z');
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);

describe('alert planner', () => {
  let db: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    ({ userId } = await insertUser(db.sql, { timezone: 'Europe/Berlin' }));
  });
  afterAll(async () => {
    await db.drop();
  });

  const alertsOf = (meetingId: string) =>
    db.sql<
      { id: string; state: string; due_at: Date }[]
    >`select id, state, due_at from alerts where meeting_id = ${meetingId}`;
  const timeline = (alertId: string) =>
    db.sql<
      { kind: string; detail: Record<string, unknown> }[]
    >`select kind, detail from alert_events where alert_id = ${alertId} order by id`;

  it('creates one alert per meeting, due lead seconds before it starts, idempotently', async () => {
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60) });
    expect(await planAlerts(db.sql, [meetingId], now)).toEqual({
      created: 1,
      replanned: 0,
      cancelled: 0,
      unchanged: 0,
    });
    expect(await planAlerts(db.sql, [meetingId], now)).toEqual({
      created: 0,
      replanned: 0,
      cancelled: 0,
      unchanged: 1,
    });
    const [alert, more] = await alertsOf(meetingId);
    expect(more).toBeUndefined();
    expect(alert).toMatchObject({ state: 'scheduled', due_at: inMinutes(50) }); // default lead: 600 s
    expect((await timeline(alert!.id)).map((e) => e.kind)).toEqual(['created']);
  });

  it("plans each meeting with its own user's time zone, and nothing for a deactivated user", async () => {
    const { userId: other } = await insertUser(db.sql, { timezone: 'America/New_York' });
    const { userId: gone } = await insertUser(db.sql, { timezone: 'Europe/Berlin' });
    await db.sql`update users set deactivated_at = ${now} where id = ${gone}`;
    // Quiet from 22:00 to 07:00: 08:30 UTC is 09:30 in Berlin and 03:30 in New York.
    const quiet = { start: '22:00', end: '07:00', alert_anyway: false };
    await db.sql`
      insert into alert_rules (user_id, quiet_hours) values (${userId}, ${db.sql.json(quiet)}), (${other}, ${db.sql.json(quiet)})
      on conflict (user_id) do update set quiet_hours = excluded.quiet_hours`;
    const at = new Date('2026-11-24T08:30:00Z');
    const mine = await insertMeeting(db.sql, userId, { startsAt: at });
    const theirs = await insertMeeting(db.sql, other, { startsAt: at });
    const deactivated = await insertMeeting(db.sql, gone, { startsAt: at });
    expect(await planAlerts(db.sql, [mine, theirs, deactivated], now)).toEqual({
      created: 1,
      replanned: 0,
      cancelled: 0,
      unchanged: 1,
    });
    expect(await alertsOf(mine)).toHaveLength(1);
    expect(await alertsOf(theirs)).toHaveLength(0);
    expect(await alertsOf(deactivated)).toHaveLength(0);
  });

  it('re-plans the pending alert when the meeting moves', async () => {
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60) });
    await planAlerts(db.sql, [meetingId], now);
    await db.sql`update meetings set starts_at = ${inMinutes(120)}, ends_at = ${inMinutes(150)} where id = ${meetingId}`;
    expect(await planAlerts(db.sql, [meetingId], now)).toMatchObject({ replanned: 1 });
    const [alert] = await alertsOf(meetingId);
    expect(alert).toMatchObject({ state: 'scheduled', due_at: inMinutes(110) });
    expect(await timeline(alert!.id)).toEqual([
      expect.objectContaining({ kind: 'created' }),
      { kind: 'replanned', detail: { from: inMinutes(50).toISOString(), to: inMinutes(110).toISOString() } },
    ]);
  });

  it.each<[string, { status?: 'cancelled'; selfResponse?: 'declined' }, string]>([
    ['cancelled', { status: 'cancelled' }, 'the meeting was cancelled'],
    ['declined', { selfResponse: 'declined' }, 'the invitation was declined'],
  ])('cancels the pending alert of a %s meeting, with the reason on the timeline', async (_name, change, reason) => {
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60) });
    await planAlerts(db.sql, [meetingId], now);
    await db.sql`update meetings set ${db.sql({ status: change.status ?? 'confirmed', self_response: change.selfResponse ?? 'accepted' })} where id = ${meetingId}`;
    expect(await planAlerts(db.sql, [meetingId], now)).toMatchObject({ cancelled: 1 });
    const [alert] = await alertsOf(meetingId);
    expect(alert?.state).toBe('cancelled');
    expect((await timeline(alert!.id)).at(-1)).toEqual({ kind: 'cancelled', detail: { reason } });
  });

  it('creates nothing for a meeting the rule does not match, or one already started', async () => {
    const declined = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60), selfResponse: 'declined' });
    const past = await insertMeeting(db.sql, userId, { startsAt: inMinutes(-5) });
    expect(await planAlerts(db.sql, [declined, past], now)).toEqual({
      created: 0,
      replanned: 0,
      cancelled: 0,
      unchanged: 2,
    });
    expect(await db.sql`select 1 from alerts where meeting_id in ${db.sql([declined, past])}`).toHaveLength(0);
  });

  it('makes an alert whose lead time has begun due at once', async () => {
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(3) });
    await planAlerts(db.sql, [meetingId], now);
    expect((await alertsOf(meetingId))[0]?.due_at).toEqual(now);
  });

  it('never moves an alert that was already sent or acknowledged', async () => {
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60) });
    await planAlerts(db.sql, [meetingId], now);
    const [alert] = await alertsOf(meetingId);
    await acknowledgeAlert(db.sql, { alertId: alert!.id, via: 'api' });
    await db.sql`update meetings set starts_at = ${inMinutes(90)} where id = ${meetingId}`;
    expect(await planAlerts(db.sql, [meetingId], now)).toMatchObject({ replanned: 0, unchanged: 1 });
    expect((await alertsOf(meetingId))[0]).toMatchObject({ state: 'acknowledged', due_at: inMinutes(50) });
  });

  it("re-plans a user's upcoming meetings after the rule changes, and cancels those it no longer matches", async () => {
    const standup = await insertMeeting(db.sql, userId, { startsAt: inMinutes(60), title: 'Standup' });
    const lunch = await insertMeeting(db.sql, userId, { startsAt: inMinutes(90), title: 'Lunch' });
    await planUpcomingForUser(db.sql, userId, now);
    const rule = await loadRule(db.sql, userId);
    const { id: _id, user_id: _u, created_at: _c, updated_at: _up, ...settings } = rule;
    await saveRule(db.sql, userId, { ...settings, lead_seconds: 300, title_keywords: ['standup'] });
    expect(await planUpcomingForUser(db.sql, userId, now)).toMatchObject({ replanned: 1, cancelled: 1 });
    expect((await alertsOf(standup))[0]).toMatchObject({ state: 'scheduled', due_at: inMinutes(55) });
    expect((await alertsOf(lunch))[0]?.state).toBe('cancelled');
  });

  it('tells a listening dispatcher when it planned something', async () => {
    const heard: string[] = [];
    const listener = await db.sql.listen(ALERTS_PLANNED_CHANNEL, (payload) => heard.push(payload));
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: inMinutes(30) });
    await planAlerts(db.sql, [meetingId], now);
    for (let i = 0; i < 50 && heard.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await listener.unlisten();
    expect(heard).toEqual([inMinutes(20).toISOString()]);
  });
});
