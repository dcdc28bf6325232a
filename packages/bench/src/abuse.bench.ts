import autocannon from 'autocannon';
import { planAlerts } from '@nudge/alerts';
import { createTestDatabase, insertMeeting, REPO_ROOT, roleEnv, RoleProcess, startRole } from '@nudge/testkit';
import { printFigure, printSection, printTargets, ratio } from './report.js';

const SECONDS = 30;
const BAD_RATE = 500;
const PROBE_RATE = 50;

/** Valid GET /v1/alerts at a fixed rate, so its latency is comparable with and without abuse. */
function probe(base: string, token: string, seconds: number) {
  return autocannon({
    url: `${base}/v1/alerts`,
    connections: 5,
    overallRate: PROBE_RATE,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** 500 requests a second of what an abuser sends: bad tokens, malformed JSON, huge and deep bodies, junk paths. */
function abuse(base: string, seconds: number) {
  const deep = JSON.stringify(Array.from({ length: 500 }).reduce<unknown>((inner) => ({ a: inner }), 'x'));
  return autocannon({
    url: base,
    connections: 50,
    overallRate: BAD_RATE,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: '/v1/alerts',
        headers: { authorization: 'Bearer nudge_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      },
      {
        method: 'PATCH',
        path: '/v1/me',
        headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
        body: '{"name":',
      },
      { method: 'POST', path: '/v1/push/subscriptions', headers: { 'content-type': 'application/json' }, body: deep },
      { method: 'GET', path: `/v1/alerts/${"' or 1=1 --".repeat(20)}` },
      { method: 'POST', path: '/checkin/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { method: 'PUT', path: '/v1/rules', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(60_000) },
    ],
  });
}

export async function abuseLoad(): Promise<void> {
  printSection(
    `api under abuse: ${BAD_RATE} bad requests/s for ${SECONDS} s; valid GET /v1/alerts probed at ${PROBE_RATE}/s`,
  );
  const db = await createTestDatabase();
  const started: RoleProcess[] = [];
  try {
    // The valid client may make its 50 requests a second; the abuser is held to the per-address limit.
    const { base } = await startRole(
      'api',
      roleEnv(db.url, { LOG_LEVEL: 'warn', RATE_LIMIT_PER_TOKEN_PER_MINUTE: '100000' }),
      { timeoutMs: 30_000, started },
    );
    const cli = RoleProcess.startScript(
      `${REPO_ROOT}services/api/dist/cli.js`,
      ['create-org', '--org', 'Bench', '--email', 'abuse@bench.test', '--name', 'B'],
      { DATABASE_URL: db.url },
    );
    await cli.exited;
    const { token, userId } = cli.lines[0] as unknown as { token: string; userId: string };
    const meetings = [];
    for (let i = 0; i < 20; i += 1)
      meetings.push(await insertMeeting(db.sql, userId, { startsAt: new Date(Date.now() + (i + 1) * 3_600_000) }));
    await planAlerts(db.sql, meetings, new Date());

    await probe(base, token, 3);
    const quiet = await probe(base, token, SECONDS);
    const [loaded, bad] = await Promise.all([probe(base, token, SECONDS), abuse(base, SECONDS)]);
    const statuses = Object.entries(bad.statusCodeStats ?? {})
      .map(([code, s]) => `${code}×${(s as { count: number }).count}`)
      .join(' ');
    printFigure(
      'baseline: GET /v1/alerts unloaded',
      `p50 ${quiet.latency.p50} ms, p99 ${quiet.latency.p99} ms, ${quiet.non2xx} non-2xx`,
    );
    printFigure(
      'GET /v1/alerts during the abuse',
      `p50 ${loaded.latency.p50} ms, p99 ${loaded.latency.p99} ms, ${loaded.non2xx} non-2xx (${ratio(loaded.latency.p99, quiet.latency.p99)} the unloaded p99)`,
    );
    printFigure('abuse sent / answers', `${bad.requests.total} requests: ${statuses}; errors ${bad.errors}`);
    printTargets([
      {
        name: 'p99 under abuse within 2× unloaded',
        met: loaded.latency.p99 <= 2 * Math.max(quiet.latency.p99, 1),
        detail: ratio(loaded.latency.p99, quiet.latency.p99),
      },
      {
        name: 'no 5xx for bad input',
        met: !Object.keys(bad.statusCodeStats ?? {}).some((code) => code.startsWith('5')),
        detail: statuses,
      },
    ]);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await db.drop();
  }
}
