import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ANY,
  createTestDatabase,
  escalationEnv,
  freePort,
  RedisServer,
  roleEnv,
  RoleProcess,
  signTwilioWebhook,
  startEscalationSetup,
  startRole,
  waitForHttpOk,
  type TestDatabase,
  type TwilioEmulator,
} from '@nudge/testkit';
import { createTwilioClient } from '@nudge/worker';
import type autocannon from 'autocannon';
import pLimit from 'p-limit';
import { formatLoad, load, loadTargets, type LoadResult } from './http-load.js';
import { burstSince, latenessFigure } from './burst.js';
import { median, percentile, printFigure, printSection, printTargets, ratio } from './report.js';

const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url));
const BURST = 1_000;
const SINGLES = 20;
const CONCURRENCY = 32;
const FROM = '+15005550006';

const phoneOf = (n: number) => `+1555${String(n).padStart(7, '0')}`;

/** `count` users with a phone each and an alert notified and not acknowledged, escalating at `escalateAt(i)`. */
async function seedEscalations(
  db: TestDatabase,
  first: number,
  count: number,
  escalateAt: (i: number) => Date,
): Promise<void> {
  const times = Array.from({ length: count }, (_, i) => escalateAt(i).toISOString());
  const [org] = await db.sql<
    { id: string }[]
  >`insert into organizations (name) values ('Escalation bench') returning id`;
  await db.sql`
    with input as (
      select ${first}::int + (t.n - 1)::int as n, t.at::timestamptz as at from unnest(${times}::text[]) with ordinality as t(at, n)
    ), users_in as (
      insert into users (org_id, email, name, phone_e164, phone_verified_at, timezone)
      select ${org!.id}, 'esc-' || n || '@bench.test', 'Esc ' || n, '+1555' || lpad(n::text, 7, '0'), now(), 'UTC' from input
      returning id, email
    ), numbered as (
      select u.id, i.n, i.at from users_in u join input i on u.email = 'esc-' || i.n || '@bench.test'
    ), rules as (
      insert into alert_rules (user_id) select id from numbered returning id, user_id
    ), meetings_in as (
      insert into meetings (user_id, external_id, title, starts_at, ends_at, self_response)
      select id, 'esc-' || n, 'Bench meeting ' || n, at + interval '10 minutes', at + interval '40 minutes', 'accepted' from numbered
      returning id, user_id
    )
    insert into alerts (user_id, meeting_id, rule_id, due_at, escalate_at, state)
    select m.user_id, m.id, r.id, nb.at - interval '3 minutes', nb.at, 'notified'
    from meetings_in m join rules r using (user_id) join numbered nb on nb.id = m.user_id`;
}

/** The baseline: the same creates through the same client and concurrency, with no database or queue. */
async function bareCreateLoop(twilio: TwilioEmulator, callsUrl: string): Promise<number> {
  const client = createTwilioClient(
    { accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.url },
    10_000,
  );
  const limit = pLimit(CONCURRENCY);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BURST }, (_, i) =>
      limit(() =>
        client.calls.create({
          to: phoneOf(9_000_000 + i),
          from: FROM,
          url: `${callsUrl}/twilio/voice/alerts/x`,
          statusCallback: `${callsUrl}/twilio/status`,
          timeout: 25,
        }),
      ),
    ),
  );
  return performance.now() - started;
}

async function escalationLateness(): Promise<void> {
  printSection(
    `escalation: ${BURST.toLocaleString('en')} escalations due in the same second, concurrency ${CONCURRENCY}; then single ones on an idle system`,
  );
  const redis = await RedisServer.start();
  // Calls go unanswered: one status callback each, to a calls URL nobody serves. Only the create is measured.
  const { twilio, env, callsUrl } = await startEscalationSetup(redis.url);
  twilio.scriptCall(ANY, { answer: 'no-answer' }, Infinity);
  const db = await createTestDatabase();
  let worker: RoleProcess | undefined;
  try {
    const bareMs = await bareCreateLoop(twilio, callsUrl);
    const bareRate = (BURST / bareMs) * 1000;
    twilio.calls.items.length = 0;

    const dueAt = new Date(Date.now() + 10_000);
    await seedEscalations(db, 1, BURST, () => dueAt);
    ({ process: worker } = await startRole('worker', {
      ...roleEnv(db.url, { LOG_LEVEL: 'warn' }),
      ...env,
      TWILIO_API_BASE_URL: twilio.url,
      ESCALATION_CONCURRENCY: String(CONCURRENCY),
    }));
    if (Date.now() > dueAt.getTime() - 2_000) throw new Error('the worker took too long to start; raise the lead time');
    await twilio.calls.until((items) => items.length >= BURST, 120_000);
    const { lateness, perSecond: rate } = burstSince(
      dueAt,
      twilio.calls.items.map((call) => call.createdAt),
    );
    printFigure('baseline: bare twilio create loop', `${bareRate.toFixed(0)} calls/s (${bareMs.toFixed(0)} ms)`);
    printFigure(
      'worker: escalate_at → create request',
      `${rate.toFixed(0)} calls/s, ${ratio(rate, bareRate)} baseline`,
    );
    printFigure('burst lateness p50 / p99 / max', latenessFigure(lateness));

    // Single escalations, 500 ms apart so each meets an idle worker; queued ahead by the reconciler as in production.
    twilio.calls.items.length = 0;
    const start = Date.now() + 8_000;
    const singleAt = (i: number) => new Date(start + i * 500);
    await seedEscalations(db, BURST + 1, SINGLES, singleAt);
    await twilio.calls.until((items) => items.length >= SINGLES, 60_000);
    const single = twilio.calls.items
      .map((call) => call.createdAt.getTime() - singleAt(Number(call.to.slice(5)) - BURST - 1).getTime())
      .sort((a, b) => a - b);
    printFigure('single escalation, idle: lateness p50 / p99', `${median(single)} / ${percentile(single, 99)} ms`);
    printTargets([
      {
        name: 'burst lateness p99 ≤ 1 s',
        met: percentile(lateness, 99) <= 1_000,
        detail: `${percentile(lateness, 99)} ms`,
      },
      {
        name: 'single escalation p99 ≤ 200 ms',
        met: percentile(single, 99) <= 200,
        detail: `${percentile(single, 99)} ms`,
      },
    ]);
  } finally {
    await worker?.stop();
    await twilio.close();
    await redis.stop();
    await db.drop();
  }
}

/** Signed status callbacks, each for a different call, as Twilio would send them. */
function signedStatusRequests(publicUrl: string, path: string, authToken: string): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'POST',
      path,
      setupRequest(request) {
        n += 1;
        const params = {
          AccountSid: 'AC0',
          CallSid: `CA${n.toString(16).padStart(32, '0')}`,
          CallStatus: 'ringing',
          ApiVersion: '2010-04-01',
        };
        return {
          ...request,
          headers: {
            ...request.headers,
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signTwilioWebhook(`${publicUrl}${path}`, params, authToken),
          },
          body: new URLSearchParams(params).toString(),
        };
      },
    },
  ];
}

async function callsThroughput(): Promise<void> {
  printSection('calls: signed status callbacks under 50 connections for 10 s, next to a bare fastify form route');
  const db = await createTestDatabase();
  const port = await freePort();
  const barePort = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const { REDIS_URL: _none, ...escalation } = escalationEnv('redis://unused');
  const bare = RoleProcess.startScript(BARE_SERVER, [String(barePort)]);
  const token = escalation.TWILIO_AUTH_TOKEN!;
  let calls: RoleProcess | undefined;
  try {
    // Every signed callback comes from one loopback address here: the per-address flood limit is not what this measures.
    ({ process: calls } = await startRole(
      'calls',
      {
        ...roleEnv(db.url, { LOG_LEVEL: 'warn', CALLS_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000' }),
        ...escalation,
        CALLS_PUBLIC_URL: publicUrl,
      },
      { port, timeoutMs: 30_000 },
    ));
    // One escalated alert with a call attempt per CallSid the load will report on.
    const [user] = await db.sql<{ id: string }[]>`
      with org as (insert into organizations (name) values ('Calls bench') returning id)
      insert into users (org_id, email, name, phone_e164) select id, 'calls@bench.test', 'Calls', '+15550000001' from org returning id`;
    const [meeting] = await db.sql<{ id: string }[]>`
      insert into meetings (user_id, external_id, title, starts_at, ends_at) values (${user!.id}, 'calls-bench', 'Bench', now() + interval '1 hour', now() + interval '2 hours') returning id`;
    const [rule] = await db.sql<{ id: string }[]>`insert into alert_rules (user_id) values (${user!.id}) returning id`;
    const [alert] = await db.sql<{ id: string }[]>`
      insert into alerts (user_id, meeting_id, rule_id, due_at, state) values (${user!.id}, ${meeting!.id}, ${rule!.id}, now(), 'escalated') returning id`;
    await db.sql`
      insert into deliveries (alert_id, channel, target_id, attempt, status, provider_ref)
      select ${alert!.id}, 'call', ${user!.id}, n, 'processing', 'CA' || lpad(to_hex(n), 32, '0') from generate_series(1, 200000) as n`;
    await waitForHttpOk(`http://127.0.0.1:${barePort}/bare`, 30_000, bare.exited);

    const run = (base: string, path: string, seconds: number): Promise<LoadResult> =>
      load(`${base}${path}`, { connections: 50, seconds, requests: signedStatusRequests(publicUrl, path, token) });
    await run(`http://127.0.0.1:${barePort}`, '/bare-form', 2);
    await run(publicUrl, '/twilio/status', 2);
    const baseline = await run(`http://127.0.0.1:${barePort}`, '/bare-form', 10);
    const status = await run(publicUrl, '/twilio/status', 10);
    const [applied] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from alert_events where kind = 'call_status'`;
    printFigure('baseline: bare form route', formatLoad(baseline));
    printFigure('POST /twilio/status (signed, applied)', `${formatLoad(status)}, non-2xx ${status.non2xx}`);
    printFigure('callbacks applied to the timeline', String(applied?.n ?? 0));
    printFigure('status callbacks / bare route', ratio(status.requestsPerSecond, baseline.requestsPerSecond));
    printTargets(loadTargets(status, baseline, { throughputShare: 0.3, p99Ms: 20 }));
  } finally {
    await Promise.all([calls?.stop(), bare.stop()]);
    await sleep(100);
    await db.drop();
  }
}

export async function escalationBench(): Promise<void> {
  await escalationLateness();
  await callsThroughput();
}
