import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorMessage, Loaded } from '../components/status.js';
import { formatDateTime } from '../format.js';
import type { CalendarConnect, CalendarStatus } from '../types.js';
import { usePolling } from '../use-polling.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';

export function CalendarSection() {
  const status = useResource(() => api<CalendarStatus>('/v1/calendar/google'), 'calendar');
  const action = useAction();
  const [waiting, setWaiting] = useState(false);
  // While Google's consent is open in its tab, watch for the connection the api's callback makes.
  usePolling(status.reload, waiting ? 2_000 : 0);
  useEffect(() => {
    if (waiting && status.data?.connected === true && !status.data.revoked) setWaiting(false);
  }, [waiting, status.data]);

  const connect = () => {
    // Opened now, inside the click, so that popup blockers allow it; pointed at Google once the api answers.
    const consent = window.open('', '_blank');
    if (consent !== null) consent.opener = null;
    return action.run(async () => {
      const answer = await api<CalendarConnect>('/v1/calendar/google/connect').catch((err: unknown) => {
        consent?.close();
        throw err;
      });
      // Google's consent screen comes back to the api's callback, which says "you can close this page".
      if (consent === null) location.assign(answer.url);
      else {
        consent.location.href = answer.url;
        setWaiting(true);
      }
    });
  };
  const disconnect = () => {
    if (!confirm('Disconnect Google Calendar? Nudge stops watching your meetings.')) return;
    void action.run(async () => {
      await api('/v1/calendar/google', { method: 'DELETE' });
      status.reload();
    });
  };

  return (
    <section aria-labelledby="calendar-heading">
      <h2 id="calendar-heading">Google Calendar</h2>
      {status.error instanceof ApiError && status.error.status === 404 ? (
        <p>Calendar connection is not available on this server.</p>
      ) : (
        <Loaded resource={status} what="the calendar connection">
          {(s) => (
            <>
              <p data-testid="calendar-status">
                {s.connected && !s.revoked && <>Connected. Last synced: {formatDateTime(s.last_synced_at)}.</>}
                {s.revoked && (
                  <>Google revoked access ({s.revoked_reason ?? 'no reason given'}). Connect again to resume alerts.</>
                )}
                {!s.connected && !s.revoked && <>Not connected.</>}
              </p>
              {waiting && <p role="status">Waiting for Google: finish in the tab that opened, then come back here.</p>}
              {s.connected && !s.revoked ? (
                <button type="button" onClick={() => void disconnect()} disabled={action.busy}>
                  Disconnect Google Calendar
                </button>
              ) : (
                <button type="button" class="primary" onClick={() => void connect()} disabled={action.busy}>
                  Connect Google Calendar
                </button>
              )}
            </>
          )}
        </Loaded>
      )}
      {action.error !== undefined && <ErrorMessage error={action.error} />}
    </section>
  );
}
