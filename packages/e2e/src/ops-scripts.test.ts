import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { REPO_ROOT } from '@nudge/testkit';

/**
 * The operator scripts (scripts/dcprod.sh and scripts/verify_production.sh above all) against a stand-in docker CLI
 * (packages/e2e/fake-docker/docker) that answers from canned files: what the scripts decide
 * from what docker reports, without a Docker engine. The real engine run is pnpm test:compose.
 * The scripts are copied next to a placeholder docker-compose.prod.yml in a temporary root,
 * so a docker-compose.override.yml can be put next to it.
 */
const IDS = { api: 'api1', calls: 'calls1', worker: 'worker1', redis: 'redis1' } as const;
const STARTED = '2026-03-01T10:00:00.000000000Z';

interface Run {
  code: number | null;
  out: string;
  seconds: number;
}

// Each run starts bash a few dozen times; a loaded machine makes that slow.
jest.setTimeout(90_000);

let root: string;
let fake: string;

function put(file: string, content: string): void {
  mkdirSync(path.dirname(path.join(fake, file)), { recursive: true });
  writeFileSync(path.join(fake, file), content);
}

/** One pino-like line at an ISO time, as the fake's logs/ID files hold them. */
function logLine(at: string, level: 'info' | 'error', msg: string, extra = ''): string {
  return `${at}\t{"level":"${level}","time":"${at}","service":"api","event":"e"${extra},"msg":"${msg}"}\n`;
}

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(root, 'scripts', script), ...args], {
      cwd: root,
      env: {
        PATH: `${REPO_ROOT}packages/e2e/fake-docker:${process.env.PATH ?? ''}`,
        FAKE_DOCKER: fake,
        DCPROD_PROJECT: 'faketest',
        DCPROD_ENV_FILE: path.join(root, 'env.prod'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out, seconds: (Date.now() - started) / 1000 }));
  });
}

function calls(): string[] {
  return readFileSync(path.join(fake, 'calls'), 'utf8').trim().split('\n');
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nudge-ops-scripts-'));
  fake = path.join(root, 'fake');
  mkdirSync(path.join(root, 'scripts', 'lib'), { recursive: true });
  for (const file of [
    'dcprod.sh',
    'dcswarm.sh',
    'verify_production.sh',
    'backup.sh',
    'restore.sh',
    'lib/compose.sh',
    'lib/database.sh',
  ]) {
    copyFileSync(`${REPO_ROOT}scripts/${file}`, path.join(root, 'scripts', file));
  }
  writeFileSync(path.join(root, 'docker-compose.prod.yml'), 'services: {}\n');
  writeFileSync(path.join(root, 'docker-compose.single-host.yml'), 'services: {}\n');
  writeFileSync(path.join(root, 'env.prod'), 'DATABASE_URL=postgres://x@db.internal/nudge\n');
  mkdirSync(fake);
  for (const [service, id] of Object.entries(IDS)) {
    put(`ids/${service}`, `${id}\n`);
    put(`started/${id}`, `${STARTED}\n`);
    put(`logs/${id}`, logLine('2026-03-01T10:00:01Z', 'info', 'listening'));
  }
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('verify_production.sh', () => {
  it('passes a healthy deployment, every check printed', async () => {
    const result = await run('verify_production.sh', []);
    expect(result.out).toMatch(/^verify_production: all 12 checks passed$/m);
    for (const check of ['config', 'services', 'legacy', 'ready', 'schema', 'schedulers', 'logs', 'dns', 'redis']) {
      expect(result.out).toMatch(new RegExp(`^PASS  ${check} `, 'm'));
    }
    expect(result.code).toBe(0);
  });

  it('a DNS failure without a "host" field fails the dns check, names the container and host, and every later check and the summary still print', async () => {
    put(
      `logs/${IDS.worker}`,
      logLine('2026-03-01T10:00:05Z', 'error', 'getaddrinfo ENOTFOUND postgres', ',"err":{"code":"ENOTFOUND"}'),
    );
    const result = await run('verify_production.sh', []);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /^FAIL {2}logs +fake-worker1-1: 1 error-level line\(s\) since it started at 2026-03-01T10:00:00/m,
    );
    expect(result.out).toMatch(/getaddrinfo ENOTFOUND postgres/);
    expect(result.out).toMatch(/^FAIL {2}dns +fake-worker1-1: host name does not resolve: postgres /m);
    expect(result.out).toMatch(/^PASS {2}redis +maxmemory-policy is noeviction$/m);
    expect(result.out).toMatch(/^PASS {2}redis +appendonly is on$/m);
    expect(result.out).toMatch(/^verify_production: 2 of 12 checks FAILED$/m);
  });

  it('judges each container by its logs since it last started, and --since narrows the window', async () => {
    // An error from before the api's current start (a restart since) does not count.
    put(`logs/${IDS.api}`, logLine('2026-03-01T09:59:00Z', 'error', 'database went away'));
    const sinceStart = await run('verify_production.sh', []);
    expect(sinceStart.out).toMatch(/^PASS {2}logs +no error-level lines since each container started/m);
    expect(sinceStart.code).toBe(0);
    expect(calls()).toContain(`logs --since ${STARTED} ${IDS.api}`);

    // With --since, an error an hour ago is outside the window and one a minute ago is inside.
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    put(`started/${IDS.calls}`, `${iso(now - 3 * 3600_000)}\n`);
    put(
      `logs/${IDS.calls}`,
      logLine(iso(now - 3600_000), 'error', 'an hour ago') + logLine(iso(now - 60_000), 'error', 'a minute ago'),
    );
    const window = await run('verify_production.sh', ['--since', '10m']);
    expect(window.code).toBe(1);
    expect(window.out).toMatch(/^FAIL {2}logs +fake-calls1-1: 1 error-level line\(s\) in the last 10m; the latest:/m);
    expect(window.out).toMatch(/a minute ago/);
    expect(window.out).not.toMatch(/an hour ago/);
    const widened = await run('verify_production.sh', [], { VERIFY_LOGS_SINCE: '2h' });
    expect(widened.out).toMatch(/fake-calls1-1: 2 error-level line\(s\) in the last 2h/);
  });

  it('a docker exec that fails in the redis check is a FAIL, not the end of the run', async () => {
    put(`exec-fail/${IDS.redis}`, 'Error response from daemon: container is restarting\n');
    const result = await run('verify_production.sh', []);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^FAIL {2}redis +maxmemory-policy is 'unknown'/m);
    expect(result.out).toMatch(/^FAIL {2}redis +appendonly is 'unknown'/m);
    expect(result.out).toMatch(/^verify_production: 2 of 12 checks FAILED$/m);
  });

  it('reads the same compose files as dcprod.sh: the override next to the prod file, then each -f', async () => {
    writeFileSync(path.join(root, 'docker-compose.override.yml'), 'services: {}\n');
    writeFileSync(path.join(root, 'extra.yml'), 'services: {}\n');
    await run('verify_production.sh', ['-f', 'extra.yml']);
    const config = calls().find((line) => line.includes(' config -q'));
    expect(config).toBe(
      `compose -p faketest -f ${root}/docker-compose.prod.yml -f ${root}/docker-compose.single-host.yml -f ${root}/docker-compose.override.yml -f ${root}/extra.yml --env-file ${root}/env.prod config -q`,
    );
  });
});

describe('dcprod.sh', () => {
  it('passes the prod file, the override when present, each -f in order, the env file and the profiles to compose', async () => {
    writeFileSync(path.join(root, 'a.yml'), 'services: {}\n');
    writeFileSync(path.join(root, 'b.yml'), 'services: {}\n');
    const plain = await run('dcprod.sh', ['ps']);
    expect(plain.code).toBe(0);
    expect(calls().at(-1)).toBe(
      `compose -p faketest -f ${root}/docker-compose.prod.yml -f ${root}/docker-compose.single-host.yml --env-file ${root}/env.prod ps`,
    );

    writeFileSync(path.join(root, 'docker-compose.override.yml'), 'services: {}\n');
    const files = await run('dcprod.sh', ['-f', 'a.yml', '--profile', 'with-db', '--file=b.yml', 'ps', '-a']);
    expect(files.code).toBe(0);
    expect(calls().at(-1)).toBe(
      `compose -p faketest -f ${root}/docker-compose.prod.yml -f ${root}/docker-compose.single-host.yml -f ${root}/docker-compose.override.yml -f ${root}/a.yml -f ${root}/b.yml --env-file ${root}/env.prod --profile with-db ps -a`,
    );

    const missing = await run('dcprod.sh', ['-f', 'nowhere.yml', 'ps']);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/compose file .*nowhere\.yml not found \(given with -f\)/);
  });

  it('up refuses a configuration a role would not start with, names every bad variable of every role, and replaces nothing', async () => {
    put(
      'check-config/api',
      'check-config: api: VAPID_PUBLIC_KEY must be an uncompressed P-256 public key (65 bytes, base64url); example: VAPID_PUBLIC_KEY=BNc…\n' +
        'check-config: api: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal (got "loud"); example: LOG_LEVEL=info\n',
    );
    put('check-config/worker', 'check-config: worker: VAPID_PUBLIC_KEY must be an uncompressed P-256 public key\n');
    const result = await run('dcprod.sh', ['up']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/FAIL api would not start with this configuration/);
    expect(result.out).toMatch(/^ {2}api: VAPID_PUBLIC_KEY must be/m);
    expect(result.out).toMatch(/^ {2}api: LOG_LEVEL must be/m);
    expect(result.out).toMatch(/FAIL worker would not start/);
    expect(result.out).not.toMatch(/FAIL calls/);
    expect(result.out).toMatch(
      /refusing to deploy: api worker would not start; the running containers were not touched/,
    );
    const composeCalls = calls().filter((line) => line.startsWith('compose '));
    for (const role of ['api', 'calls', 'worker']) {
      expect(composeCalls).toContainEqual(
        expect.stringMatching(new RegExp(` run --rm --no-deps -T ${role} node dist/check-config.js$`)),
      );
    }
    expect(composeCalls.filter((line) => / up( |$)/.test(line))).toEqual([]);
  });

  it('up stops waiting as soon as a container crash-loops, and shows its last log lines', async () => {
    put(`state/${IDS.api}`, 'restarting unhealthy\n');
    put(`restarts/${IDS.api}`, '4\n');
    put(`probe/${IDS.api}`, '{"status":"not ready","reasons":["database"]}\n');
    put(`logs/${IDS.api}`, logLine('2026-03-01T10:00:05Z', 'error', 'VAPID_PUBLIC_KEY rejected by the push library'));
    const result = await run('dcprod.sh', ['up'], { DCPROD_WAIT_SECONDS: '120' });
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(20);
    expect(result.out).toMatch(/FAIL a container crashed or is unhealthy after \d+s; not waiting for the rest/);
    expect(result.out).toMatch(/--- fake-api1-1 \(restarting unhealthy, restarted 4 time\(s\)\)/);
    expect(result.out).toMatch(/last health probe: .*not ready/);
    expect(result.out).toMatch(/log: .*VAPID_PUBLIC_KEY rejected by the push library/);
  });

  it('up succeeds once every service is healthy', async () => {
    const result = await run('dcprod.sh', ['up']);
    expect(result.out).toMatch(/configuration checked: api calls worker accept it/);
    expect(result.out).toMatch(/healthy: api calls worker redis/);
    expect(result.code).toBe(0);
  });
});

describe('the options every operator script reads (scripts/lib/compose.sh parse_options)', () => {
  const scripts = ['dcprod.sh', 'dcswarm.sh', 'verify_production.sh', 'backup.sh', 'restore.sh'];

  it.each(scripts)(
    '%s: -h and --help print the usage and exit 0; --env-file without a file exits 1',
    async (script) => {
      for (const flag of ['-h', '--help']) {
        const help = await run(script, ['--profile', 'with-db', flag]);
        expect(help.out).toMatch(new RegExp(`^Usage: scripts/${script} `));
        expect(help.code).toBe(0);
      }
      const missing = await run(script, ['--env-file']);
      expect(missing.out).toBe(`${script.replace('.sh', '')}: --env-file needs a file\n`);
      expect(missing.code).toBe(1);
    },
  );

  it.each([
    ['dcprod.sh', ['help'], 0, /^Usage: scripts\/dcprod\.sh /],
    ['dcswarm.sh', ['help'], 0, /^Usage: scripts\/dcswarm\.sh /],
    ['dcswarm.sh', ['--stack'], 1, /^dcswarm: --stack needs a name\n$/],
    ['dcswarm.sh', ['-c'], 1, /^dcswarm: -c needs a file\n$/],
    ['dcswarm.sh', ['-c', 'a.yml', '--stack', 'Bad!', 'status'], 1, /^dcswarm: stack name 'Bad!': use lower-case/],
    ['dcswarm.sh', ['--stack=Bad!', 'status'], 1, /^dcswarm: stack name 'Bad!': use lower-case/],
    ['backup.sh', ['--out'], 1, /^backup: --out needs a directory\n$/],
    ['backup.sh', ['--bogus'], 2, /^Usage: scripts\/backup\.sh /],
    ['backup.sh', ['--out=somewhere', 'extra'], 2, /^Usage: scripts\/backup\.sh /],
    ['verify_production.sh', ['--since'], 1, /^verify_production: --since needs a window such as 10m\n$/],
    ['verify_production.sh', ['--since=5m', 'extra'], 2, /^Usage: scripts\/verify_production\.sh /],
    ['restore.sh', ['--profile', 'with-db'], 2, /^Usage: scripts\/restore\.sh /],
    ['restore.sh', ['a.dump', '--bogus'], 2, /^Usage: scripts\/restore\.sh /],
    [
      'restore.sh',
      ['a.dump', '--env-file', 'env.prod', 'b.dump'],
      1,
      /^restore: one dump file only \(got a\.dump and b\.dump\)\n$/,
    ],
    ['restore.sh', ['--env-file=env.prod', 'none.dump'], 1, /^restore: dump file none\.dump not found\n$/],
  ])('%s %j exits %d', async (script, args, code, out) => {
    const result = await run(script, args);
    expect(result.out).toMatch(out);
    expect(result.code).toBe(code);
  });

  it('backup.sh --out=DIR followed by a common option: the backup goes into DIR', async () => {
    const result = await run('backup.sh', ['--out=here', '--env-file', 'env.prod']);
    // The stand-in database has no migration, so nothing is written, but the folder is made.
    expect(result.out).toMatch(/^backup: the database has no applied migration/m);
    expect(result.code).toBe(1);
    expect(existsSync(path.join(root, 'here'))).toBe(true);
  });
});
