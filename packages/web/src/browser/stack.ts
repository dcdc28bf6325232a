import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  createOrgWithCli,
  createTestDatabase,
  escalationEnv,
  freePort,
  GoogleEmulator,
  markPhoneVerified,
  RedisServer,
  roleEnv,
  RoleProcess,
  TwilioEmulator,
  waitForHttpOk,
  type TestDatabase,
} from '@nudge/testkit';

/** The api and a scheduling worker as real processes, with the Google emulator, and an operator to sign in as. */
export interface Stack {
  db: TestDatabase;
  google: GoogleEmulator;
  api: RoleProcess;
  worker: RoleProcess;
  base: string;
  token: string;
  userId: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Settings added to the api's and the worker's environment (push CA, escalation, …). */
  env?: Record<string, string>;
  /** The operator has verified their phone number already (escalation calls only verified numbers). */
  phoneVerified?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const google = await GoogleEmulator.start();
  const scratch = await mkdtemp(`${tmpdir()}/nudge-browser-`);
  const apiPort = await freePort();
  const base = `http://127.0.0.1:${apiPort}`;
  const env = roleEnv(db.url, {
    PUBLIC_BASE_URL: base,
    GOOGLE_CLIENT_ID: google.client.clientId,
    GOOGLE_CLIENT_SECRET: google.client.clientSecret,
    ...google.endpointEnv(),
    ...options.env,
  });
  const api = RoleProcess.start('api', { ...env, PORT: String(apiPort), RUN_MIGRATIONS_ON_START: '1' });
  const worker = RoleProcess.start('worker', { ...env, HEALTH_PORT: String(await freePort()), ENABLE_SCHEDULERS: 'true' });
  const close = async () => {
    await Promise.all([api.stop(), worker.stop()]);
    await google.close();
    await db.drop();
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    await waitForHttpOk(`${base}/health/ready`, 20_000, api.exited);
    const { token, userId } = await createOrgWithCli(db.url, ['--org', 'Browser', '--email', 'ada@browser.test', '--name', 'Ada Lovelace', '--phone', '+4915112345678', '--timezone', 'Europe/Berlin', '--operator']);
    if (options.phoneVerified === true) await markPhoneVerified(db.sql, userId);
    return { db, google, api, worker, base, token, userId, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A stack with escalation on: Redis, the Twilio emulator and the calls role beside it. */
export interface CallingStack {
  stack: Stack;
  redis: RedisServer;
  twilio: TwilioEmulator;
  calls: RoleProcess;
  /** The operator's phone number, the one Nudge calls. */
  phone: string;
  close(): Promise<void>;
}

export async function startCallingStack(options: StackOptions = {}): Promise<CallingStack> {
  const redis = await RedisServer.start();
  const started: { stack?: Stack; twilio?: TwilioEmulator; calls?: RoleProcess } = {};
  const close = async () => {
    await started.calls?.stop();
    await started.stack?.close();
    await started.twilio?.close();
    await redis.stop();
  };
  try {
    const escalation = escalationEnv(redis.url);
    const twilio = (started.twilio = await TwilioEmulator.start({ accountSid: escalation.TWILIO_ACCOUNT_SID, authToken: escalation.TWILIO_AUTH_TOKEN }));
    const callsPort = await freePort();
    const env = { ...escalation, CALLS_PUBLIC_URL: `http://127.0.0.1:${callsPort}`, TWILIO_API_BASE_URL: twilio.url, ...options.env };
    const stack = (started.stack = await startStack({ ...options, env }));
    const calls = (started.calls = await startCallsRole(stack, escalation, callsPort));
    const [user] = await stack.db.sql<{ phone_e164: string }[]>`select phone_e164 from users where id = ${stack.userId}`;
    return { stack, redis, twilio, calls, phone: user!.phone_e164, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The calls role as a process on `port` over the stack's database, with the escalation settings
 * (Twilio credentials) but not the worker's Redis, ready to answer Twilio's webhooks.
 */
export async function startCallsRole(stack: Stack, escalation: Record<string, string>, port: number): Promise<RoleProcess> {
  const callsUrl = `http://127.0.0.1:${port}`;
  const { REDIS_URL: _worker, ...callsEnv }: Record<string, string> = { ...roleEnv(stack.db.url), ...escalation, CALLS_PUBLIC_URL: callsUrl };
  const calls = RoleProcess.start('calls', { ...callsEnv, PORT: String(port) });
  try {
    await waitForHttpOk(`${callsUrl}/health/ready`, 20_000, calls.exited);
  } catch (err) {
    await calls.stop();
    throw err;
  }
  return calls;
}
