/**
 * `pnpm start`: Nudge on this machine in one command. The three roles run as real processes in
 * production order. Without real credentials in the environment it also starts the Google, Web
 * Push and Twilio emulators and seeds a demo (a user, a connected calendar with a meeting a few
 * minutes out, a device) whose alert then runs through the whole flow in the logs. With
 * GOOGLE_CLIENT_ID set it uses the real services and seeds nothing.
 */
import { startEmulators, type LocalEmulators } from './emulators/start-emulators.js';
import { REPO_ROOT, waitForHttpOk } from './role-process.js';
import { narrateDemo } from './local/demo-narrator.js';
import { seedDemo, syncNow } from './local/demo-seed.js';
import { extraCaBundle } from './local/ca-bundle.js';
import { escalationPlan } from './local/escalation-plan.js';
import { localDatabase, type LocalDatabase } from './local/local-database.js';
import { LocalSecretsFile } from './local/local-secrets.js';
import { readLocalSettings } from './local/local-settings.js';
import { RoleSupervisor } from './local/role-supervisor.js';

const say = (line: string) => console.log(`nudge   ${line}`);

async function main(): Promise<void> {
  const settings = readLocalSettings(process.env, REPO_ROOT);
  const { ports } = settings;
  const base = `http://127.0.0.1:${ports.api}`;
  const webAppUrl = `${base}/app/`;
  let database: LocalDatabase | undefined;
  let emulators: LocalEmulators | undefined;
  let supervisor: RoleSupervisor | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await supervisor?.stopAll();
    await emulators?.close();
    await database?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => {
    // A second Ctrl-C does not wait for a clean stop.
    if (stopping) process.exit(130);
    void shutdown(0);
  });
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const secrets = await LocalSecretsFile.open(settings.localDir);
    database = await localDatabase({ databaseUrl: settings.databaseUrl, localDir: settings.localDir, say });
    say(`database: ${database.description}`);
    if (!settings.realServices) emulators = await startEmulators();
    say(
      emulators === undefined
        ? 'Google, Web Push and Twilio: the real services (GOOGLE_CLIENT_ID is set); nothing is seeded'
        : 'Google, Web Push and Twilio: local emulators (no GOOGLE_CLIENT_ID in the environment)',
    );
    const escalation = await escalationPlan(settings.escalation, settings.redisUrl);
    say(escalation.line);

    const env: Record<string, string> = {
      PUBLIC_BASE_URL: base,
      HOST: '127.0.0.1',
      GOOGLE_CLIENT_ID: 'nudge-local.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'nudge-local-secret',
      CREDENTIALS_ENCRYPTION_KEY: secrets.secrets.credentialsKey,
      VAPID_PUBLIC_KEY: secrets.secrets.vapidPublicKey,
      VAPID_PRIVATE_KEY: secrets.secrets.vapidPrivateKey,
      VAPID_SUBJECT: 'mailto:admin@localhost.test',
      ...emulators?.env,
      ...(escalation.on
        ? {
            REDIS_URL: escalation.redisUrl!,
            CALLS_PUBLIC_URL: `http://127.0.0.1:${ports.calls}`,
            TWILIO_FROM_NUMBER: '+15005550100',
          }
        : {}),
      // What the operator set wins over the local defaults above…
      ...settings.passThrough,
      // …except what this run decided from it.
      DATABASE_URL: database.url,
      FEATURE_ESCALATION_ENABLED: String(escalation.on),
      // Three roles share this host, so one METRICS_PORT cannot serve them all (empty is unset).
      METRICS_PORT: '',
      ...(emulators === undefined
        ? {}
        : {
            NODE_EXTRA_CA_CERTS: await extraCaBundle(
              settings.passThrough.NODE_EXTRA_CA_CERTS,
              emulators.push.caPem,
              `${settings.localDir}/extra-ca.pem`,
            ),
            // The emulator's endpoints are trusted in addition to what the operator allowed.
            PUSH_ENDPOINT_ALLOWED_HOSTS: [
              settings.passThrough.PUSH_ENDPOINT_ALLOWED_HOSTS,
              emulators.push.allowedHostEntry,
            ]
              .filter((v) => v !== undefined && v.trim() !== '')
              .join(','),
          }),
    };

    if ((settings.passThrough.METRICS_PORT ?? '') !== '') {
      say(
        "METRICS_PORT is not used by the local run (three roles on one host); set METRICS_TOKEN to read /metrics on each role's port with it",
      );
    }
    // The calls role answers Twilio's webhooks and never touches Redis.
    const { REDIS_URL: _callsNeedNoRedis, ...callsEnv } = env;
    supervisor = new RoleSupervisor(env, console.log, (role, code) => {
      say(`${role} exited with code ${code}; stopping the others`);
      void shutdown(1);
    });
    const apiExited = supervisor.start('api', {
      PORT: String(ports.api),
      RUN_MIGRATIONS_ON_START: '1',
      ENABLE_SCHEDULERS: 'false',
    });
    await waitForHttpOk(`${base}/health/ready`, 120_000, apiExited);
    const callsExited = supervisor.start('calls', { PORT: String(ports.calls), ENABLE_SCHEDULERS: 'false' }, callsEnv);
    await waitForHttpOk(`http://127.0.0.1:${ports.calls}/health/ready`, 60_000, callsExited);
    // The demo is seeded through the api before the worker starts, so that the worker's first
    // sync already sees this run's calendar connection, not one left from an earlier run.
    const seed =
      emulators === undefined
        ? undefined
        : await seedDemo({
            base,
            databaseUrl: database.url,
            secrets,
            emulators,
            timing: settings.demo,
            escalation: escalation.on,
          });
    const workerExited = supervisor.start('worker', { HEALTH_PORT: String(ports.worker), ENABLE_SCHEDULERS: 'true' });
    await waitForHttpOk(`http://127.0.0.1:${ports.worker}/health/ready`, 60_000, workerExited);

    if (emulators === undefined || seed === undefined) {
      say(
        `running. web app: ${webAppUrl}  (create a user: node services/api/dist/cli.js create-org --help)  Ctrl-C stops everything.`,
      );
      return;
    }
    await syncNow(seed);
    console.log(`
  Nudge is running, with a demo.
    web app     ${webAppUrl}
    demo token  ${seed.token}   (sign in with it; the demo user is an operator)
    or          "Sign in with Google": the emulated Google account is ${seed.email}
    api ${base} · calls http://127.0.0.1:${ports.calls} · worker http://127.0.0.1:${ports.worker}
  The demo meeting "${seed.meetingTitle}" goes through sync, alert, push${escalation.on ? ', call' : ''} below.
  Ctrl-C stops everything.
`);
    await narrateDemo({ seed, emulators, escalation: escalation.on, webAppUrl, say, stopped: () => stopping });
  } catch (err) {
    say(`could not start: ${(err as Error).message}`);
    await shutdown(1);
  }
}

await main();
