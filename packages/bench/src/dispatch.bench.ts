import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ALERTS_PLANNED_CHANNEL, planAlerts } from '@nudge/alerts';
import {
  createTestDatabase,
  insertMeeting,
  insertUser,
  PushEmulator,
  roleEnv,
  seedDueAlerts,
  startRole,
  type RoleProcess,
} from '@nudge/testkit';
import { burstSince, latenessFigure } from './burst.js';
import { median, percentile, printFigure, printSection, printTargets, ratio } from './report.js';

const BARE_LOOP = fileURLToPath(new URL('./bare-push-loop.js', import.meta.url));
const ALERTS = 10_000;
const CONCURRENCY = 64;

async function bareLoop(input: object, env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [BARE_LOOP], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(input));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return (JSON.parse(out) as { ms: number }).ms;
}

export async function dispatchBurst(): Promise<void> {
  printSection(
    `dispatch: ${ALERTS.toLocaleString('en')} alerts due at the same instant, one device each, concurrency ${CONCURRENCY}`,
  );
  const push = await PushEmulator.start({ recordRequests: false });
  const caFile = `${await mkdtemp(`${tmpdir()}/nudge-bench-`)}/ca.pem`;
  await writeFile(caFile, push.caPem);
  const env = roleEnv('postgres://unused@127.0.0.1/unused', {
    NODE_EXTRA_CA_CERTS: caFile,
    PUSH_ENDPOINT_ALLOWED_HOSTS: push.allowedHostEntry,
    LOG_LEVEL: 'warn',
    DISPATCH_CONCURRENCY: String(CONCURRENCY),
  });
  const db = await createTestDatabase();
  const workers: RoleProcess[] = [];
  try {
    // Baseline: the same number of sends, same concurrency, no database.
    const baselineSubs = Array.from({ length: ALERTS }, () => push.subscribe(env.VAPID_PUBLIC_KEY));
    const bareMs = await bareLoop(
      {
        subscriptions: baselineSubs,
        vapid: { subject: env.VAPID_SUBJECT, publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY },
        concurrency: CONCURRENCY,
      },
      { NODE_EXTRA_CA_CERTS: caFile },
    );
    const bareRate = (ALERTS / bareMs) * 1000;
    push.messages.items.length = 0;

    // Seeded due in an hour, then, once the worker is up, all moved to one instant two seconds
    // out and announced as the planner does: however long seeding and start-up take, the
    // dispatcher is idle and waiting when the burst comes due.
    await seedDueAlerts(db.sql, push, {
      count: ALERTS,
      vapidPublicKey: env.VAPID_PUBLIC_KEY!,
      dueAt: new Date(Date.now() + 3_600_000),
    });
    await startRole('worker', { ...env, DATABASE_URL: db.url }, { ready: 'live', started: workers });
    const dueAt = new Date(Date.now() + 2_000);
    await db.sql`update alerts set due_at = ${dueAt} where state = 'scheduled'`;
    await db.sql`select pg_notify(${ALERTS_PLANNED_CHANNEL}, ${dueAt.toISOString()})`;
    await push.messages.until((items) => items.length >= ALERTS, 300_000);
    const { lateness, perSecond: rate } = burstSince(
      dueAt,
      push.messages.items.map((m) => m.receivedAt),
    );
    const spanMs = (lateness.at(-1) ?? 0) - Math.max(0, lateness[0] ?? 0);
    printFigure('baseline: bare web-push loop', `${bareRate.toFixed(0)} pushes/s (${bareMs.toFixed(0)} ms)`);
    printFigure(
      'dispatcher (one worker): due → received',
      `${rate.toFixed(0)} pushes/s, ${ratio(rate, bareRate)} baseline`,
    );
    printFigure('lateness p50 / p99 / max', `${latenessFigure(lateness)} (span ${spanMs} ms)`);

    // A single alert on an idle system: plan it due shortly, the dispatcher wakes for it.
    push.messages.items.length = 0;
    const { userId } = await insertUser(db.sql);
    const device = push.subscribe(env.VAPID_PUBLIC_KEY);
    await db.sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    const single: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const startsAt = new Date(Date.now() + 600_000 + 300);
      const meetingId = await insertMeeting(db.sql, userId, { startsAt, externalId: `idle-${i}` });
      await planAlerts(db.sql, [meetingId], new Date());
      const message = await push.messages.first(
        (m) => m.json<{ title: string; starts_at: string }>().starts_at === startsAt.toISOString(),
        10_000,
      );
      single.push(message.receivedAt.getTime() - (startsAt.getTime() - 600_000));
    }
    single.sort((a, b) => a - b);
    printFigure('single alert, idle system: lateness p50 / p99', `${median(single)} / ${percentile(single, 99)} ms`);
    printTargets([
      {
        name: 'throughput ≥ 70% of the bare web-push loop',
        met: rate >= 0.7 * bareRate,
        detail: ratio(rate, bareRate),
      },
      {
        name: 'burst lateness p99 ≤ 3 s',
        met: percentile(lateness, 99) <= 3_000,
        detail: `${percentile(lateness, 99)} ms`,
      },
      { name: 'single alert p99 ≤ 100 ms', met: percentile(single, 99) <= 100, detail: `${percentile(single, 99)} ms` },
    ]);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await push.close();
    await db.drop();
  }
}
