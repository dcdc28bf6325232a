import { describe, expect, it } from '@jest/globals';
import { useApiTestBed } from '../../testing/api-under-test.js';
import { notifiedAlert } from '../../testing/route-fixtures.js';

const FORM = 'application/x-www-form-urlencoded';

/** The check-in page's form as a browser sends it: urlencoded, and empty (the button has no name). */
describe('the check-in form, posted as a browser posts it', () => {
  const bed = useApiTestBed();

  const stateOf = async (alertId: string) =>
    (await bed.db.sql`select state, acknowledged_via from alerts where id = ${alertId}`)[0];

  it("an empty urlencoded POST, as the page's button sends it, acknowledges the alert", async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db, 'Standup');
    const response = await bed.api.request(`/checkin/${checkin}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: '',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('You checked in for Standup');
    expect(await stateOf(alertId)).toEqual({ state: 'acknowledged', acknowledged_via: 'push' });
  });

  it('a form with fields is accepted too, and a second post changes nothing more', async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db, 'Standup');
    const first = await bed.api.request(`/checkin/${checkin}`, {
      method: 'POST',
      headers: { 'content-type': `${FORM}; charset=UTF-8` },
      body: 'confirm=1',
    });
    const second = await bed.api.request(`/checkin/${checkin}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: '',
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await stateOf(alertId)).toEqual({ state: 'acknowledged', acknowledged_via: 'push' });
    expect(
      await bed.db.sql`select 1 from alert_events where alert_id = ${alertId} and kind = 'acknowledged'`,
    ).toHaveLength(1);
  });

  it('an oversized form body is refused with 413 in the error format and acknowledges nothing', async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db, 'Standup');
    const response = await bed.api.request(`/checkin/${checkin}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: `x=${'a'.repeat(4_096)}`,
    });
    expect(response.status).toBe(413);
    expect(response.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(await stateOf(alertId)).toEqual({ state: 'notified', acknowledged_via: null });
  });

  it('the JSON api still refuses a urlencoded body with 415: the form parser serves the check-in routes only', async () => {
    const { alertId, token } = await notifiedAlert(bed.db, 'Standup');
    const response = await bed.api.request(`/v1/alerts/${alertId}/ack`, {
      method: 'POST',
      token,
      headers: { 'content-type': FORM },
      body: 'via=web',
    });
    expect(response.status).toBe(415);
    expect(response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(await stateOf(alertId)).toEqual({ state: 'notified', acknowledged_via: null });
  });

  it('GET of the page still changes nothing', async () => {
    const { alertId, checkin } = await notifiedAlert(bed.db, 'Standup');
    const page = await bed.api.request(`/checkin/${checkin}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<form method="post" action="/checkin/${checkin}">`);
    expect(await stateOf(alertId)).toEqual({ state: 'notified', acknowledged_via: null });
    const [token] = await bed.db.sql`select used_at from checkin_tokens c where c.alert_id = ${alertId}`;
    expect(token?.used_at).toBeNull();
  });
});
