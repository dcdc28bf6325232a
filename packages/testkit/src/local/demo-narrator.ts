import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEmulators } from '../emulators/start-emulators.js';
import type { DemoSeed } from './demo-seed.js';

interface AlertView {
  id: string;
  state: string;
  due_at: string;
  escalate_at: string | null;
  acknowledged_via: string | null;
}

const time = (iso: string | Date) => new Date(iso).toISOString().slice(11, 19);

/**
 * Follows the demo meeting through Nudge and says each step once, as it happens, reading only
 * what a person could see: the api (as the demo user) and the emulated phone and device.
 */
export async function narrateDemo(options: {
  seed: DemoSeed;
  emulators: LocalEmulators;
  escalation: boolean;
  webAppUrl: string;
  say: (line: string) => void;
  stopped: () => boolean;
}): Promise<void> {
  const { seed, emulators, say } = options;
  const said = new Set<string>();
  const once = (key: string, line: string) => {
    if (said.has(key)) return;
    said.add(key);
    say(line);
  };

  while (!options.stopped()) {
    try {
      const meetings =
        await seed.api.call<{ title: string; starts_at: string; alert_id: string | null }[]>('/v1/meetings');
      const meeting = meetings.find((m) => m.title === seed.meetingTitle);
      if (meeting !== undefined)
        once('synced', `✔ calendar synced: "${meeting.title}" starts at ${time(meeting.starts_at)} UTC`);
      const alert =
        meeting?.alert_id == null ? undefined : await seed.api.call<AlertView>(`/v1/alerts/${meeting.alert_id}`);
      if (alert !== undefined) {
        once('planned', `✔ alert planned: due at ${time(alert.due_at)} UTC (${alert.state})`);
        const message = emulators.push.messages.items.find(
          (m) => m.endpoint === seed.deviceEndpoint && m.json<{ alert_id?: string }>().alert_id === alert.id,
        );
        if (message !== undefined) {
          once('pushed', `✔ push delivered; the emulated device decrypted it: ${JSON.stringify(message.json())}`);
          if (options.escalation && alert.escalate_at !== null)
            once('waiting', `… no check-in yet: the phone call is due at ${time(alert.escalate_at)} UTC`);
          if (!options.escalation)
            once(
              'no-call',
              `escalation is off, so nobody is called: acknowledge in the web app at ${options.webAppUrl}alerts/${alert.id}`,
            );
        }
        const call = emulators.twilio.calls.items.find(
          (c) => c.to === seed.phone && c.url?.includes(`/alerts/${alert.id}`) === true,
        );
        if (call !== undefined) once('called', `✔ call placed to ${seed.phone} (${call.sid})`);
        if (call !== undefined && call.digitsSent.length > 0)
          once('keypress', `✔ keypress: ${call.digitsSent.join(', ')}`);
        if (alert.state === 'acknowledged') {
          once('acknowledged', `✔ acknowledged via ${alert.acknowledged_via ?? 'unknown'} — the whole flow ran`);
          return;
        }
        if (['cancelled', 'expired', 'failed'].includes(alert.state)) {
          once('ended', `the alert ended as ${alert.state}`);
          return;
        }
      }
    } catch (err) {
      once(`error:${(err as Error).message}`, `(could not read the demo's progress: ${(err as Error).message})`);
    }
    await sleep(1_000);
  }
}
