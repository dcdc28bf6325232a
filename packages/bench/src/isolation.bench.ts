import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Sql } from '@nudge/db';
import {
  ConnectionCounter,
  createTestDatabase,
  PushEmulator,
  roleEnv,
  seedDueAlerts,
  startRole,
  type RoleProcess,
} from '@nudge/testkit';
import { percentile, printFigure, printSection, printTargets, ratio } from './report.js';

const OTHERS = 200;
const DEAD_ENDPOINTS = 500;
const WAVES = 3;
const WAVE_GAP_MS = 4_000;
/** Seeded before the worker starts; the first wave is due this long after. */
const LEAD_MS = 10_000;
const GIVE_UP_MS = 60_000;

interface PhaseResult {
  /** Lateness (received − due) of every other user's push, sorted. */
  lateness: number[];
  perWave: number[][];
  deadConnections: number;
  deadMaxOpen: number;
}

/**
 * One user whose endpoints accept TCP and never answer. The rows are inserted directly, as
 * subscriptions from before PUSH_MAX_SUBSCRIPTIONS_PER_USER would be: the api no longer lets one
 * user register 500, but rows that predate the limit stay until their user registers again, and
 * that is the worst case the dispatcher must survive.
 */
async function seedDeadEndpointUser(
  sql: Sql,
  push: PushEmulator,
  vapidPublicKey: string,
  deadPort: number,
  dueTimes: Date[],
): Promise<void> {
  const [org] = await sql<{ id: string }[]>`insert into organizations (name) values ('Black hole') returning id`;
  const [user] = await sql<
    { id: string }[]
  >`insert into users (org_id, email, name, timezone) values (${org!.id}, ${`hog-${randomUUID()}@example.test`}, 'Hog', 'UTC') returning id`;
  const [rule] = await sql<{ id: string }[]>`insert into alert_rules (user_id) values (${user!.id}) returning id`;
  const devices = Array.from({ length: DEAD_ENDPOINTS }, () => {
    const device = push.subscribe(vapidPublicKey);
    return {
      user_id: user!.id,
      endpoint: `https://127.0.0.1:${deadPort}/push/${randomUUID()}`,
      p256dh: device.keys.p256dh,
      auth: device.keys.auth,
    };
  });
  await sql`insert into push_subscriptions ${sql(devices)}`;
  for (const [i, dueAt] of dueTimes.entries()) {
    const [meeting] = await sql<{ id: string }[]>`
      insert into meetings (user_id, external_id, title, starts_at, ends_at, self_response, attendee_count)
      values (${user!.id}, ${`hog-${i}`}, 'Hog meeting', ${new Date(dueAt.getTime() + 600_000)}, ${new Date(dueAt.getTime() + 2_400_000)}, 'accepted', 2)
      returning id`;
    await sql`insert into alerts (user_id, meeting_id, rule_id, due_at) values (${user!.id}, ${meeting!.id}, ${rule!.id}, ${dueAt})`;
  }
}

async function runPhase(
  push: PushEmulator,
  env: Record<string, string>,
  withDeadEndpoints: boolean,
): Promise<PhaseResult> {
  const db = await createTestDatabase();
  const dead = await ConnectionCounter.listen();
  let worker: RoleProcess | undefined;
  try {
    // A warm-up wave (not measured, no dead endpoints yet) first: a freshly started worker's first
    // sends pay for compiling code and opening connections, which is not what is measured here.
    const warmUp = new Date(Date.now() + LEAD_MS);
    await seedDueAlerts(db.sql, push, { count: OTHERS, vapidPublicKey: env.VAPID_PUBLIC_KEY!, dueAt: warmUp });
    const first = warmUp.getTime() + WAVE_GAP_MS;
    const dueTimes = Array.from({ length: WAVES }, (_, i) => new Date(first + i * WAVE_GAP_MS));
    const waves = new Map<string, number>();
    for (const [i, dueAt] of dueTimes.entries()) {
      const alerts = await seedDueAlerts(db.sql, push, { count: OTHERS, vapidPublicKey: env.VAPID_PUBLIC_KEY!, dueAt });
      for (const id of alerts) waves.set(id, i);
    }
    if (withDeadEndpoints) await seedDeadEndpointUser(db.sql, push, env.VAPID_PUBLIC_KEY!, dead.port, dueTimes);
    push.messages.items.length = 0;

    ({ process: worker } = await startRole('worker', { ...env, DATABASE_URL: db.url }, { ready: 'live' }));
    if (Date.now() > warmUp.getTime()) throw new Error('the worker took longer to start than the lead time; raise it');
    // Pushes not received by then count as infinitely late.
    await push.messages.until((items) => items.length >= OTHERS * (WAVES + 1), GIVE_UP_MS).catch(() => undefined);
    const problems = worker.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    if (problems.length > 0)
      process.stdout.write(`  worker warnings: ${problems.length}, e.g. ${JSON.stringify(problems[0])}\n`);

    const perWave: number[][] = dueTimes.map(() => []);
    for (const message of push.messages.items) {
      const wave = waves.get(message.json<{ alert_id: string }>().alert_id);
      if (wave !== undefined) perWave[wave]!.push(message.receivedAt.getTime() - dueTimes[wave]!.getTime());
    }
    for (const wave of perWave) {
      while (wave.length < OTHERS) wave.push(Number.POSITIVE_INFINITY);
      wave.sort((a, b) => a - b);
    }
    const lateness = perWave.flat().sort((a, b) => a - b);
    return { lateness, perWave, deadConnections: dead.connections, deadMaxOpen: dead.maxOpen };
  } finally {
    await worker?.stop();
    await dead.close();
    await db.drop();
  }
}

const figures = (sorted: readonly number[]) =>
  `p50 ${percentile(sorted, 50)} / p99 ${percentile(sorted, 99)} / max ${sorted.at(-1)} ms`;

/**
 * One user with 500 endpoints that accept TCP and never answer, and 200 other users with one
 * alert each, all due at the same instants (three waves, after a warm-up one): the others' push
 * lateness, next to the same run without that user.
 */
export async function dispatchIsolation(): Promise<void> {
  printSection(
    `dispatch isolation: one user with ${DEAD_ENDPOINTS} endpoints that never answer, ${OTHERS} other users per wave, ${WAVES} waves ${WAVE_GAP_MS / 1000} s apart`,
  );
  const push = await PushEmulator.start({ recordRequests: false });
  const caFile = `${await mkdtemp(`${tmpdir()}/nudge-bench-`)}/ca.pem`;
  await writeFile(caFile, push.caPem);
  // The worker's defaults: 64 sends in flight, 4 per user, a 3 s timeout per send.
  const env = roleEnv('postgres://unused@127.0.0.1/unused', { NODE_EXTRA_CA_CERTS: caFile, LOG_LEVEL: 'warn' });
  try {
    const baseline = await runPhase(push, env, false);
    const hog = await runPhase(push, env, true);
    const base99 = percentile(baseline.lateness, 99);
    const hog99 = percentile(hog.lateness, 99);
    printFigure('baseline: other users, no dead endpoints', figures(baseline.lateness));
    printFigure(
      'with the dead-endpoint user',
      `${figures(hog.lateness)}; p99 ${ratio(hog99, Math.max(1, base99))} baseline`,
    );
    for (const [i, wave] of hog.perWave.entries()) {
      printFigure(
        `  wave ${i + 1}: with / without`,
        `p99 ${percentile(wave, 99)} / ${percentile(baseline.perWave[i]!, 99)} ms`,
      );
    }
    printFigure('dead endpoints: connections, most held open', `${hog.deadConnections}, ${hog.deadMaxOpen} at once`);
    printTargets([
      {
        name: "other users' lateness p99 ≤ 2× the run without the dead endpoints",
        met: hog99 <= 2 * Math.max(base99, 1),
        detail: ratio(hog99, Math.max(1, base99)),
      },
      { name: "other users' lateness p99 < 1 s", met: hog99 < 1_000, detail: `${hog99} ms` },
      {
        name: 'the dead endpoints hold at most 4 send slots (DISPATCH_CONCURRENCY_PER_USER)',
        met: hog.deadMaxOpen <= 4,
        detail: `${hog.deadMaxOpen}`,
      },
    ]);
  } finally {
    await push.close();
  }
}
