/**
 * The calendar benchmark's sync process, apart from the emulator so its peak RSS is the sync's
 * own. Reads {databaseUrl, google, keyBase64, concurrency, pageSize, poolMax, ticks, alerts} as JSON on
 * stdin, runs that many calendar-sync ticks back to back and prints each tick's summary and
 * the process's peak RSS.
 */
import { systemClock } from '@nudge/domain';
import { calendarSyncDeps, syncAllCalendars, type CalendarTickSummary } from '@nudge/worker';
import { calendarChild, type CalendarChildInput } from './calendar-child-setup.js';

interface Input extends CalendarChildInput {
  pageSize: number;
  ticks: number;
  /** false: meetings only, no alert planning (FEATURE_ALERTS_ENABLED=false). */
  alerts: boolean;
}

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = JSON.parse(raw) as Input;
const { sql, logger, config } = calendarChild(input, 'bench-calendar');
const deps = calendarSyncDeps(
  {
    ...config,
    flags: { schedulers: false, calendar: true, alerts: input.alerts, escalation: false, checkin: true },
  },
  { sql, logger, clock: systemClock },
  { settings: { pageSize: input.pageSize } },
);
const ticks: CalendarTickSummary[] = [];
for (let i = 0; i < input.ticks; i += 1) ticks.push(await syncAllCalendars(deps, new Date()));
await sql.end();
process.stdout.write(JSON.stringify({ ticks, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
