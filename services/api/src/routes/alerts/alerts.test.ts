import { describe, expect, it } from '@jest/globals';
import { cancel, issueCheckinToken } from '@nudge/alerts';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';
import { notifiedAlert } from '../../testing/route-fixtures.js';

describe('alerts, acknowledgement and check-in', () => {
  const bed = useApiTestBed();

  it("lists the caller's alerts with their meeting, filtered by state", async () => {
    const { token, alertId } = await notifiedAlert(bed.db);
    const all = await bed.api.request('/v1/alerts', { token });
    expect(all.status).toBe(200);
    expect(all.json<unknown[]>()).toEqual([
      expect.objectContaining({ id: alertId, title: 'Design review', state: 'notified' }),
    ]);
    expect((await bed.api.request('/v1/alerts?state=acknowledged', { token })).json<unknown[]>()).toEqual([]);
    expect((await bed.api.request('/v1/alerts?state=bogus', { token })).status).toBe(400);
    expect((await bed.api.request('/v1/alerts?from=yesterday', { token })).status).toBe(400);
    expect(
      (await bed.api.request('/v1/alerts?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', { token })).status,
    ).toBe(400);
  });

  it('shows one alert with its full timeline', async () => {
    const { token, alertId } = await notifiedAlert(bed.db);
    const response = await bed.api.request(`/v1/alerts/${alertId}`, { token });
    expect(response.status).toBe(200);
    const body = response.json<{ state: string; timeline: { kind: string; detail: unknown }[] }>();
    expect(body.state).toBe('notified');
    expect(body.timeline.map((e) => e.kind)).toEqual(['created', 'notified']);
    expect(body.timeline[1]?.detail).toEqual({ sent: 1, total: 1 });
  });

  it("does not show another user's alert", async () => {
    const { alertId } = await notifiedAlert(bed.db);
    const stranger = await newOrg(bed.db);
    expect((await bed.api.request(`/v1/alerts/${alertId}`, { token: stranger.token })).status).toBe(404);
    expect((await bed.api.request(`/v1/alerts/${alertId}/ack`, { method: 'POST', token: stranger.token })).status).toBe(
      404,
    );
    const [row] = await bed.db.sql`select state from alerts where id = ${alertId}`;
    expect(row?.state).toBe('notified');
  });

  it('POST /v1/alerts/:id/ack acknowledges once and is idempotent', async () => {
    const { token, alertId } = await notifiedAlert(bed.db);
    const first = await bed.api.request(`/v1/alerts/${alertId}/ack`, { method: 'POST', token, body: { via: 'web' } });
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ state: 'acknowledged', acknowledged_via: 'web' });
    const again = await bed.api.request(`/v1/alerts/${alertId}/ack`, { method: 'POST', token });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ state: 'acknowledged', acknowledged_via: 'web' });
    const events = await bed.db
      .sql`select kind from alert_events where alert_id = ${alertId} and kind = 'acknowledged'`;
    expect(events).toHaveLength(1);
  });

  it('acknowledging a cancelled alert is a 409', async () => {
    const { token, alertId } = await notifiedAlert(bed.db);
    await cancel(bed.db.sql, alertId, 'the meeting was cancelled');
    const response = await bed.api.request(`/v1/alerts/${alertId}/ack`, { method: 'POST', token });
    expect(response.status).toBe(409);
    expect(response.json()).toEqual({
      error: { code: 'conflict', message: 'the alert is cancelled and can no longer be acknowledged' },
    });
  });

  it('GET /checkin/:token shows the meeting and changes nothing', async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db, 'Board meeting');
    for (let i = 0; i < 3; i += 1) {
      const page = await bed.api.request(`/checkin/${checkin}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain('Board meeting');
      expect(page.text).toContain(`<form method="post" action="/checkin/${checkin}">`);
    }
    const [row] = await bed.db
      .sql`select a.state, c.used_at from alerts a join checkin_tokens c on c.alert_id = a.id where a.id = ${alertId}`;
    expect(row).toEqual({ state: 'notified', used_at: null });
  });

  it('POST /checkin/:token acknowledges via push, once', async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db);
    const results = await Promise.all([1, 2, 3].map(() => bed.api.request(`/checkin/${checkin}`, { method: 'POST' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const [alert] = await bed.db.sql`select state, acknowledged_via from alerts where id = ${alertId}`;
    expect(alert).toEqual({ state: 'acknowledged', acknowledged_via: 'push' });
    expect(
      await bed.db.sql`select 1 from alert_events where alert_id = ${alertId} and kind = 'acknowledged'`,
    ).toHaveLength(1);
    expect((await bed.api.request(`/checkin/${checkin}`)).text).toContain('You checked in');
  });

  it('answers an unknown or expired check-in link with 404 and changes nothing', async () => {
    const { alertId } = await notifiedAlert(bed.db);
    const expired = await issueCheckinToken(bed.db.sql, alertId, new Date(Date.now() - 1_000));
    for (const token of [expired, 'x'.repeat(32), '<script>']) {
      expect((await bed.api.request(`/checkin/${encodeURIComponent(token)}`)).status).toBe(404);
      expect((await bed.api.request(`/checkin/${encodeURIComponent(token)}`, { method: 'POST' })).status).toBe(404);
    }
    const [row] = await bed.db.sql`select state from alerts where id = ${alertId}`;
    expect(row?.state).toBe('notified');
  });

  it('stores only the hash of a check-in token', async () => {
    const { checkin } = await notifiedAlert(bed.db);
    const rows = await bed.db.sql`select token_hash from checkin_tokens`;
    expect(JSON.stringify(rows)).not.toContain(checkin);
  });

  it("lists the caller's meetings with their alert state", async () => {
    const { token, meetingId } = await notifiedAlert(bed.db, 'Planning');
    const response = await bed.api.request('/v1/meetings', { token });
    expect(response.json<unknown[]>()).toEqual([
      expect.objectContaining({ id: meetingId, title: 'Planning', alert_state: 'notified' }),
    ]);
  });
});
