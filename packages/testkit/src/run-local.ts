/**
 * `pnpm start`: runs Nudge on this machine — api, calls and worker as real processes in
 * production order, against local PostgreSQL (and Redis when escalation is on), with local
 * secrets kept in .local/ so a second run finds its data and token again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import postgres from 'postgres';
import { roleEntry, REPO_ROOT, waitForHttpOk, type RoleName } from './role-process.js';
import { vapidKeyPair } from './role-env.js';

interface LocalSecrets {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  credentialsKey: string;
  adminToken?: string;
}

const LOCAL_DIR = `${REPO_ROOT}.local`;
const SECRETS_FILE = `${LOCAL_DIR}/dev-secrets.json`;

async function localSecrets(): Promise<LocalSecrets> {
  if (existsSync(SECRETS_FILE)) return JSON.parse(await readFile(SECRETS_FILE, 'utf8')) as LocalSecrets;
  const vapid = vapidKeyPair();
  const secrets = { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, credentialsKey: randomBytes(32).toString('base64') };
  await mkdir(LOCAL_DIR, { recursive: true });
  await writeFile(SECRETS_FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = postgres(server.href, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists === undefined) {
      await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

async function createLocalAdmin(env: Record<string, string>): Promise<string | undefined> {
  const cli = `${REPO_ROOT}services/api/dist/cli.js`;
  const child = spawn(process.execPath, [cli, 'create-org', '--org', 'Local', '--email', 'admin@localhost.test', '--name', 'Local admin', '--operator'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return code === 0 ? (JSON.parse(out) as { token: string }).token : undefined;
}

async function main(): Promise<void> {
  const secrets = await localSecrets();
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nudge_local';
  await ensureDatabase(databaseUrl);

  const ports: Record<RoleName, number> = { api: 3000, calls: 3001, worker: 3002 };
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    PUBLIC_BASE_URL: `http://127.0.0.1:${ports.api}`,
    HOST: '127.0.0.1',
    GOOGLE_CLIENT_ID: 'nudge-local.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'nudge-local-secret',
    CREDENTIALS_ENCRYPTION_KEY: secrets.credentialsKey,
    VAPID_PUBLIC_KEY: secrets.vapidPublicKey,
    VAPID_PRIVATE_KEY: secrets.vapidPrivateKey,
    VAPID_SUBJECT: 'mailto:admin@localhost.test',
    // What the operator set wins over the local defaults above.
    ...(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>),
  };

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')),
      ),
    );
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const start = (role: RoleName, roleEnv: Record<string, string>) => {
    const child = spawn(process.execPath, [roleEntry(role)], { env: { ...env, ...roleEnv }, stdio: 'inherit' });
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`${role} exited with code ${code}; stopping the others`);
        void stopAll(1);
      }
    });
    children.push(child);
    return child;
  };

  const api = start('api', { PORT: String(ports.api), RUN_MIGRATIONS_ON_START: '1', ENABLE_SCHEDULERS: 'false' });
  await waitForHttpOk(`http://127.0.0.1:${ports.api}/health/ready`, 60_000, new Promise((r) => api.once('exit', r)));
  const calls = start('calls', { PORT: String(ports.calls), ENABLE_SCHEDULERS: 'false' });
  const worker = start('worker', { HEALTH_PORT: String(ports.worker), ENABLE_SCHEDULERS: 'true' });
  await Promise.all([
    waitForHttpOk(`http://127.0.0.1:${ports.calls}/health/ready`, 60_000, new Promise((r) => calls.once('exit', r))),
    waitForHttpOk(`http://127.0.0.1:${ports.worker}/health/ready`, 60_000, new Promise((r) => worker.once('exit', r))),
  ]);

  if (secrets.adminToken === undefined) {
    const token = await createLocalAdmin(env);
    if (token !== undefined) {
      secrets.adminToken = token;
      await writeFile(SECRETS_FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
  }
  console.log(`
Nudge is running:
  api     http://127.0.0.1:${ports.api}   (ready: /health/ready)
  calls   http://127.0.0.1:${ports.calls}
  worker  http://127.0.0.1:${ports.worker} (health and metrics)
  admin token: ${secrets.adminToken ?? '(an organisation already existed; create one with nudge-admin create-org)'}
  try: curl -H "Authorization: Bearer <token>" http://127.0.0.1:${ports.api}/v1/me
Ctrl-C stops everything.`);
}

await main();
