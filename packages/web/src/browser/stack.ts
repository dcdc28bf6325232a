import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  createOrgWithCli,
  createTestDatabase,
  freePort,
  GoogleEmulator,
  markPhoneVerified,
  PushEmulator,
  RedisServer,
  roleEnv,
  RoleProcess,
  startEscalationSetup,
  startRole,
  type TestDatabase,
  type TwilioEmulator,
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
  /** With `escalation`: the Twilio emulator the calls are placed with, and the calls role answering its webhooks. */
  twilio: TwilioEmulator | undefined;
  calls: RoleProcess | undefined;
  /** With `push`: the push service the worker sends to, trusted by the api and the worker. */
  push: PushEmulator | undefined;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Settings added to the api's and the worker's environment (push CA, escalation, …). */
  env?: Record<string, string>;
  /** The operator has verified their phone number already (escalation calls only verified numbers). */
  phoneVerified?: boolean;
  /** Phone escalation on: Redis, the Twilio emulator and the calls role as a process. */
  escalation?: boolean;
  /** A push service (the push emulator) whose certificate the api and the worker trust. */
  push?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const google = await GoogleEmulator.start();
  const scratch = await mkdtemp(`${tmpdir()}/nudge-browser-`);
  const apiPort = await freePort();
  const base = `http://127.0.0.1:${apiPort}`;
  const extra: Record<string, string> = {};
  let redis: RedisServer | undefined;
  let twilio: TwilioEmulator | undefined;
  let push: PushEmulator | undefined;
  let calls: RoleProcess | undefined;
  let callsRole: { env: Record<string, string>; port: number } | undefined;
  let api: RoleProcess | undefined;
  let worker: RoleProcess | undefined;
  const close = async () => {
    await Promise.all([calls?.stop(), api?.stop(), worker?.stop()]);
    await Promise.all([google.close(), twilio?.close(), push?.close(), redis?.stop()]);
    await db.drop();
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    if (options.escalation === true) {
      redis = await RedisServer.start();
      const escalation = await startEscalationSetup(redis.url);
      twilio = escalation.twilio;
      Object.assign(extra, escalation.env, {
        TWILIO_API_BASE_URL: escalation.twilio.url,
        ESCALATION_RECONCILE_INTERVAL_MS: '200',
      });
      // The calls role reads no queue: it gets no REDIS_URL.
      const { REDIS_URL: _worker, ...callsEnv }: Record<string, string> = { ...roleEnv(db.url), ...escalation.env };
      callsRole = { env: callsEnv, port: escalation.callsPort };
    }
    if (options.push === true) {
      push = await PushEmulator.start();
      const caFile = `${scratch}/push-ca.pem`;
      await writeFile(caFile, push.caPem);
      extra.NODE_EXTRA_CA_CERTS = caFile;
    }
  } catch (err) {
    await close();
    throw err;
  }
  const env = roleEnv(db.url, {
    PUBLIC_BASE_URL: base,
    GOOGLE_CLIENT_ID: google.client.clientId,
    GOOGLE_CLIENT_SECRET: google.client.clientSecret,
    ...google.endpointEnv(),
    ...extra,
    ...options.env,
  });
  try {
    worker = RoleProcess.start('worker', { ...env, HEALTH_PORT: String(await freePort()), ENABLE_SCHEDULERS: 'true' });
    ({ process: api } = await startRole('api', { ...env, RUN_MIGRATIONS_ON_START: '1' }, { port: apiPort }));
    if (callsRole !== undefined) {
      // After the api has migrated the database.
      ({ process: calls } = await startRole('calls', callsRole.env, { port: callsRole.port }));
    }
    const { token, userId } = await createOrgWithCli(db.url, [
      '--org',
      'Browser',
      '--email',
      'ada@browser.test',
      '--name',
      'Ada Lovelace',
      '--phone',
      '+4915112345678',
      '--timezone',
      'Europe/Berlin',
      '--operator',
    ]);
    if (options.phoneVerified === true) await markPhoneVerified(db.sql, userId);
    return { db, google, api, worker, base, token, userId, twilio, calls, push, close };
  } catch (err) {
    await close();
    throw err;
  }
}
