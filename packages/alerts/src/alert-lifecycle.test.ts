import { describe, expect, it } from '@jest/globals';
import { IllegalTransitionError } from '@nudge/domain';
import { insertMeeting, insertUser } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { acknowledgeAlert } from './acknowledge.js';
import { cancel, escalate, fail, markNotified, scheduleCallRetry, skipEscalation } from './alert-transitions.js';
import { claimCallAttempt, recordPlacedCall } from './call-attempts.js';
import { applyCallStatus } from './call-status.js';
import { notifyDueAlerts } from './notify-due-alerts.js';
import { planAlerts } from './planner.js';

const LEASE_MS = 30_000;

describe('an alert’s life, through the commands of packages/alerts', () => {
  const db = useTestDatabase();

  const row = async (id: string) =>
    (
      await db.sql<
        { state: string; escalate_at: Date | null; acknowledged_via: string | null }[]
      >`select state, escalate_at, acknowledged_via from alerts where id = ${id}`
    )[0]!;
  const kinds = async (id: string) =>
    (await db.sql<{ kind: string }[]>`select kind from alert_events where alert_id = ${id} order by id`).map(
      (e) => e.kind,
    );

  /** A planned alert whose meeting starts in `minutes`; with the default lead (10 min) it is due at once. */
  async function plannedAlert(now: Date, minutes = 8): Promise<string> {
    const { userId } = await insertUser(db.sql, { phoneVerified: true });
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: new Date(now.getTime() + minutes * 60_000) });
    await planAlerts(db.sql, [meetingId], now);
    const [alert] = await db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
    return alert!.id;
  }

  it('goes from planned to acknowledged by phone, each step writing its timeline entry', async () => {
    const now = new Date();
    const alertId = await plannedAlert(now);
    expect(await row(alertId)).toMatchObject({ state: 'scheduled' });

    const round = await notifyDueAlerts(db.sql, { now, limit: 100, checkinEnabled: false, escalationEnabled: true });
    expect(round.withoutSubscriptions).toContain(alertId);
    const notified = await row(alertId);
    expect(notified).toMatchObject({ state: 'notified', escalate_at: new Date(now.getTime() + 180_000) }); // the default rule escalates after 180 s

    const callAt = new Date(now.getTime() + 181_000);
    const claim = await claimCallAttempt(db.sql, { alertId, attempt: 1 }, callAt, LEASE_MS);
    expect(claim).toMatchObject({ kind: 'place', to: '+15005550006' });
    expect(await row(alertId)).toMatchObject({ state: 'escalated', escalate_at: null });
    if (claim.kind !== 'place') throw new Error('no call to place');

    const sid = `CA${alertId.replaceAll('-', '')}`;
    await recordPlacedCall(db.sql, { alertId, attempt: 1 }, claim.deliveryId, sid, {});
    expect(
      await applyCallStatus(db.sql, {
        callSid: sid,
        status: 'in-progress',
        alertId,
        attempt: 1,
        durationSeconds: undefined,
        now: callAt,
      }),
    ).toMatchObject({ kind: 'applied' });

    expect(await acknowledgeAlert(db.sql, { alertId, via: 'phone', detail: { call_sid: sid } })).toMatchObject({
      outcome: 'acknowledged',
    });
    expect(await row(alertId)).toMatchObject({ state: 'acknowledged', acknowledged_via: 'phone' });
    expect(await kinds(alertId)).toEqual(['created', 'notified', 'escalated', 'called', 'call_status', 'acknowledged']);
  });

  it('refuses a transition the state machine forbids, says why, and writes nothing', async () => {
    const now = new Date();
    const alertId = await plannedAlert(now, 60);
    const outcome = await fail(db.sql, alertId, { reason: 'nothing was tried yet' });
    expect(outcome).toMatchObject({ applied: false, reason: 'illegal_transition', state: 'scheduled' });
    expect(outcome.applied === false && outcome.reason === 'illegal_transition' && outcome.error).toBeInstanceOf(
      IllegalTransitionError,
    );
    expect(await escalate(db.sql, alertId, 1)).toMatchObject({ applied: false, reason: 'illegal_transition' });
    expect(await row(alertId)).toMatchObject({ state: 'scheduled' });
    expect(await kinds(alertId)).toEqual(['created']);
  });

  it('never moves an ended alert: a late retry, skip or cancel changes nothing', async () => {
    const now = new Date();
    const alertId = await plannedAlert(now, 60);
    expect(await markNotified(db.sql, alertId, { escalateAt: now })).toMatchObject({
      applied: true,
      alert: { state: 'notified' },
    });
    expect(await acknowledgeAlert(db.sql, { alertId, via: 'api' })).toMatchObject({ outcome: 'acknowledged' });

    expect(
      await scheduleCallRetry(db.sql, alertId, {
        attempt: 2,
        at: new Date(now.getTime() + 60_000),
        after: 'no-answer',
      }),
    ).toMatchObject({
      applied: false,
      reason: 'illegal_transition',
      state: 'acknowledged',
    });
    expect(await skipEscalation(db.sql, alertId, { attempt: 2, reason: 'no phone' })).toMatchObject({ applied: false });
    expect(await cancel(db.sql, alertId, 'the meeting was cancelled')).toMatchObject({
      applied: false,
      state: 'acknowledged',
    });
    expect(await acknowledgeAlert(db.sql, { alertId, via: 'phone' })).toMatchObject({
      outcome: 'already_acknowledged',
    });
    expect(await row(alertId)).toMatchObject({ state: 'acknowledged', acknowledged_via: 'api', escalate_at: now });
    expect(await kinds(alertId)).toEqual(['created', 'notified', 'acknowledged']);
  });

  it('moves the escalation time of an alert awaiting an answer, with the reason on the timeline', async () => {
    const now = new Date();
    const alertId = await plannedAlert(now, 60);
    await markNotified(db.sql, alertId, { escalateAt: now });
    const at = new Date(now.getTime() + 120_000);
    expect(await scheduleCallRetry(db.sql, alertId, { attempt: 2, at, after: 'busy' })).toMatchObject({
      applied: true,
      alert: { state: 'notified', escalate_at: at },
    });
    expect(await kinds(alertId)).toEqual(['created', 'notified', 'call_retry_scheduled']);
  });

  it('reports an unknown alert as not found', async () => {
    expect(await cancel(db.sql, '00000000-0000-4000-8000-000000000000', 'gone')).toEqual({
      applied: false,
      reason: 'not_found',
    });
  });
});
