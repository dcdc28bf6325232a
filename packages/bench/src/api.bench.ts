import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import {
  createTestDatabase,
  freePort,
  REPO_ROOT,
  roleEnv,
  RoleProcess,
  startRole,
  waitForHttpOk,
} from '@nudge/testkit';
import { formatLoad, load, loadTargets } from './http-load.js';
import { median, printFigure, printSection, printTargets, ratio } from './report.js';

const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url));

/** Spawn to first 200 from /health/ready (or `path`), in milliseconds. */
async function timeToReady(start: () => RoleProcess, url: string): Promise<number> {
  const started = performance.now();
  const process = start();
  try {
    await waitForHttpOk(url, 30_000, process.exited);
    return performance.now() - started;
  } finally {
    await process.stop();
  }
}

async function createOrgToken(databaseUrl: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      `${REPO_ROOT}services/api/dist/cli.js`,
      'create-org',
      '--org',
      'Bench',
      '--email',
      'bench@bench.test',
      '--name',
      'Bench',
    ],
    {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return (JSON.parse(out) as { token: string }).token;
}

export async function apiStartAndThroughput(): Promise<void> {
  printSection('api: start-up (spawn → /health/ready 200), median of 3');
  const bareStart: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const warmDb = await createTestDatabase({ migrated: false });
  try {
    for (let i = 0; i < 3; i += 1) {
      const barePort = await freePort();
      bareStart.push(
        await timeToReady(
          () => RoleProcess.startScript(BARE_SERVER, [String(barePort)]),
          `http://127.0.0.1:${barePort}/bare`,
        ),
      );
      const coldDb = await createTestDatabase({ migrated: false });
      const port = await freePort();
      cold.push(
        await timeToReady(
          () => RoleProcess.start('api', roleEnv(coldDb.url, { PORT: String(port), RUN_MIGRATIONS_ON_START: '1' })),
          `http://127.0.0.1:${port}/health/ready`,
        ),
      );
      await coldDb.drop();
      const warmPort = await freePort();
      warm.push(
        await timeToReady(
          () => RoleProcess.start('api', roleEnv(warmDb.url, { PORT: String(warmPort), RUN_MIGRATIONS_ON_START: '1' })),
          `http://127.0.0.1:${warmPort}/health/ready`,
        ),
      );
    }
  } finally {
    await warmDb.drop();
  }
  const [b, c, w] = [median(bareStart), median(cold), median(warm)];
  printFigure('baseline: bare fastify process to first 200', `${b.toFixed(0)} ms`);
  printFigure('cold start, empty database, migrations included', `${c.toFixed(0)} ms (${ratio(c, b)} baseline)`);
  printFigure('warm start, database already migrated', `${w.toFixed(0)} ms (${ratio(w, b)} baseline)`);
  printTargets([{ name: 'cold start to ready < 3 s', met: c < 3_000, detail: `${c.toFixed(0)} ms` }]);

  printSection('api: GET /v1/me under 50 connections for 10 s, next to a bare fastify route');
  const db = await createTestDatabase();
  const barePort = await freePort();
  const bare = RoleProcess.startScript(BARE_SERVER, [String(barePort)]);
  const started = [bare];
  try {
    // One client hammering: the per-token and per-organisation rate limits are not what this measures.
    const { port } = await startRole(
      'api',
      roleEnv(db.url, {
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_TOKEN_PER_MINUTE: '1000000',
        RATE_LIMIT_PER_ORG_PER_MINUTE: '10000000',
      }),
      { timeoutMs: 30_000, started },
    );
    await waitForHttpOk(`http://127.0.0.1:${barePort}/bare`, 30_000, bare.exited);
    const token = await createOrgToken(db.url);
    const options = { connections: 50, seconds: 10 };
    // A short warm-up for both, so JIT and pools are in the same state.
    await load(`http://127.0.0.1:${barePort}/bare`, { ...options, seconds: 2 });
    await load(`http://127.0.0.1:${port}/v1/me`, {
      ...options,
      seconds: 2,
      headers: { authorization: `Bearer ${token}` },
    });
    const baseline = await load(`http://127.0.0.1:${barePort}/bare`, options);
    const me = await load(`http://127.0.0.1:${port}/v1/me`, {
      ...options,
      headers: { authorization: `Bearer ${token}` },
    });
    printFigure('baseline: bare route', formatLoad(baseline));
    printFigure('GET /v1/me (auth + query)', `${formatLoad(me)}, non-2xx ${me.non2xx}`);
    printFigure('GET /v1/me / bare route', ratio(me.requestsPerSecond, baseline.requestsPerSecond));
    printTargets([
      ...loadTargets(me, baseline, { throughputShare: 0.4, p99Ms: 15 }),
      { name: 'no errors', met: me.non2xx === 0, detail: `${me.non2xx} non-2xx` },
    ]);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await db.drop();
  }
}
