/**
 * The calendar benchmark's sync process, apart from the emulator so its peak RSS is the sync's
 * own. Reads {databaseUrl, google, keyBase64, concurrency, pageSize, poolMax, ticks, alerts} as JSON on
 * stdin, runs that many calendar-sync ticks back to back and prints each tick's summary and
 * the process's peak RSS.
 */
import type { GoogleConfig } from '@nudge/config';
import { createDbClient } from '@nudge/db';
import { systemClock } from '@nudge/domain';
import { createLogger } from '@nudge/logger';
import { calendarSyncDeps, syncAllCalendars, type CalendarTickSummary } from '@nudge/worker';

interface Input {
  databaseUrl: string;
  google: GoogleConfig;
  keyBase64: string;
  concurrency: number;
  pageSize: number;
  poolMax: number;
  ticks: number;
  /** false: meetings only, no alert planning (FEATURE_ALERTS_ENABLED=false). */
  alerts: boolean;
}

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = JSON.parse(raw) as Input;
const sql = createDbClient({ url: input.databaseUrl, max: input.poolMax, connectTimeoutSeconds: 10, statementTimeoutMs: 60_000, applicationName: 'nudge-bench-calendar' });
const logger = createLogger({ service: 'worker', instance: 'bench', level: 'warn', destination: process.stderr, pretty: false });
const deps = calendarSyncDeps(
  {
    google: input.google,
    credentialsKey: Buffer.from(input.keyBase64, 'base64'),
    calendarSync: { concurrency: input.concurrency, horizonDays: 14, userTimeoutMs: 60_000 },
    flags: { schedulers: false, calendar: true, alerts: input.alerts, escalation: false, checkin: true },
  },
  { sql, logger, clock: systemClock },
  { settings: { pageSize: input.pageSize } },
);
const ticks: CalendarTickSummary[] = [];
for (let i = 0; i < input.ticks; i += 1) ticks.push(await syncAllCalendars(deps, new Date()));
await sql.end();
process.stdout.write(JSON.stringify({ ticks, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
