#!/usr/bin/env node
import { parseArgs } from 'node:util';
import {
  ConfigError,
  dbFragment,
  parseApiConfig,
  parseCallsConfig,
  parseWorkerConfig,
  resolveSecretFiles,
} from '@nudge/config';
import { createDbClient, listSqlMigrations, runMigrations, verifySchema, type SchemaRole, type Sql } from '@nudge/db';
import { generateVapidKeys, isE164, isIanaTimeZone, normalizeEmail } from '@nudge/domain';
import { createLogger } from '@nudge/logger';
import { runConfigCheck } from '@nudge/service';
import { deploymentHealth } from './admin/deployment-health.js';
import { listInstances } from './admin/instances.js';
import { deactivateByEmail } from './members/members.js';
import { createOrganization, EmailTakenError } from './orgs/create-organization.js';
import {
  listTokens,
  MAX_TOKEN_LIFETIME_DAYS,
  revokeAllTokens,
  revokeToken,
  rotateTokens,
  type TokenLifetime,
} from './auth/personal-access-tokens.js';

const USAGE = `nudge-admin: administer a Nudge deployment (needs DATABASE_URL)

  nudge-admin create-org --org NAME --email EMAIL --name NAME [--phone +E164] [--timezone TZ] [--operator]
      Creates an organisation and its admin; prints {"orgId","userId","token"}. The token is shown once.
  nudge-admin tokens list --email EMAIL [--org-id ID]
      Prints one JSON line per unrevoked token of the user: id, name, prefix, createdAt,
      lastUsedAt, expiresAt. Never the token itself.
  nudge-admin tokens revoke --email EMAIL (--id TOKEN_ID | --all) [--org-id ID]
      Revokes one token, or all of the user's tokens; prints {"revoked"}.
  nudge-admin tokens rotate --email EMAIL [--name NAME] [--expires-in-days 90 | --no-expiry] [--org-id ID]
      Revokes all of the user's tokens and prints a new one, shown once: {"id","token","expiresAt","revoked"}.
      --no-expiry only for operators.
  nudge-admin check-config [--role api|calls|worker]
      Checks the environment as the role would read it at start, without a database. Exit 0
      when it would start; otherwise exit 1 and one line per bad variable (all of them).
  nudge-admin migrate
      Applies pending migrations (safe to run from several processes at once).
  nudge-admin schema-version [--code]
      Prints {"code","database"}: the newest migration this code has, and the newest applied to
      the database (null when none). --code: only the code's, without a database.
      scripts/backup.sh names the dump after it; scripts/restore.sh refuses a newer dump.
  nudge-admin verify-schema [--role api|calls|worker]
      Exit 0 when every column the role queries exists; otherwise names each missing one.
  nudge-admin vapid-keys
      Prints a new VAPID key pair for Web Push: {"publicKey","privateKey"} (base64url).
  nudge-admin health [--stale-after-seconds 300]
      Exit 0 when every instance in service_heartbeats beat recently and a worker runs the
      schedulers; otherwise exit 1 and name each stale instance. For external monitors.
  nudge-admin instances [--max-age-seconds 60]
      Prints one JSON line per live instance (recent heartbeat): instance, role, version,
      schedulersEnabled, startedAt, lastBeatAt. scripts/verify_production.sh reads it.
  nudge-admin users deactivate --email EMAIL
      Deactivates every user with that email: their sessions and API tokens stop working at
      once and their open alerts are cancelled. Prints one JSON line per user; exit 1 if none.
`;

class UsageError extends Error {}
/** The command was well formed but cannot be done (exit 1). */
class CommandError extends Error {}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

async function withDatabase<T>(run: (sql: Sql, url: string) => Promise<T>): Promise<T> {
  const db = dbFragment(resolveSecretFiles(process.env));
  const sql = createDbClient({
    url: db.url.url,
    max: 2,
    connectTimeoutSeconds: db.connectTimeoutSeconds,
    statementTimeoutMs: db.statementTimeoutMs,
    applicationName: 'nudge-admin',
  });
  try {
    return await run(sql, db.url.url);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function createOrgCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      phone: { type: 'string' },
      timezone: { type: 'string', default: 'UTC' },
      operator: { type: 'boolean', default: false },
    },
  });
  const email = normalizeEmail(required(values, 'email'));
  if (email === undefined) throw new UsageError('--email must be an email address such as ada@example.com');
  const phone = values.phone?.trim() || null;
  if (phone !== null && !isE164(phone)) throw new UsageError('--phone must be an E.164 number such as +4915112345678');
  const timezone = values.timezone;
  if (!isIanaTimeZone(timezone)) throw new UsageError('--timezone must be an IANA time zone such as Europe/Berlin');
  const created = await withDatabase((sql) =>
    createOrganization(sql, {
      orgName: required(values, 'org'),
      email,
      name: required(values, 'name'),
      phoneE164: phone,
      timezone,
      operator: values.operator,
    }),
  );
  print({ orgId: created.orgId, userId: created.userId, token: created.token });
  return 0;
}

/** The one user with this email (emails are unique per organisation, so --org-id settles a tie). */
async function userByEmail(
  sql: Sql,
  email: string,
  orgId: string | undefined,
): Promise<{ id: string; is_operator: boolean }> {
  const normalized = normalizeEmail(email);
  if (normalized === undefined) throw new UsageError('--email must be an email address such as ada@example.com');
  const users = await sql<{ id: string; org_id: string; is_operator: boolean }[]>`
    select id, org_id, is_operator from users where email = ${normalized} ${orgId === undefined ? sql`` : sql`and org_id::text = ${orgId}`}`;
  if (users.length === 0)
    throw new CommandError(
      `no user has the email ${normalized}${orgId === undefined ? '' : ` in organisation ${orgId}`}`,
    );
  if (users.length > 1)
    throw new UsageError(
      `${users.length} organisations have a user ${normalized}; add --org-id (one of ${users.map((u) => u.org_id).join(', ')})`,
    );
  return users[0]!;
}

function lifetimeOption(values: { 'expires-in-days'?: string; 'no-expiry'?: boolean }): TokenLifetime {
  if (values['no-expiry'] === true) {
    if (values['expires-in-days'] !== undefined)
      throw new UsageError('--expires-in-days and --no-expiry exclude each other');
    return null;
  }
  if (values['expires-in-days'] === undefined) return undefined;
  const days = Number(values['expires-in-days']);
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_LIFETIME_DAYS)
    throw new UsageError(`--expires-in-days must be a whole number from 1 to ${MAX_TOKEN_LIFETIME_DAYS}`);
  return days;
}

async function tokensCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      'org-id': { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean', default: false },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
      'no-expiry': { type: 'boolean', default: false },
    },
  });
  const email = required(values, 'email');
  if (action !== 'list' && action !== 'revoke' && action !== 'rotate')
    throw new UsageError('tokens needs list, revoke or rotate');
  return withDatabase(async (sql) => {
    const user = await userByEmail(sql, email, values['org-id']);
    const now = new Date();
    if (action === 'list') {
      for (const token of await listTokens(sql, user.id)) {
        print({
          id: token.id,
          name: token.name,
          prefix: token.prefix,
          createdAt: token.created_at,
          lastUsedAt: token.last_used_at,
          expiresAt: token.expires_at,
        });
      }
      return 0;
    }
    if (action === 'revoke') {
      if ((values.id === undefined) === (values.all !== true))
        throw new UsageError('tokens revoke needs either --id TOKEN_ID or --all');
      if (values.id !== undefined && !/^[0-9a-f-]{36}$/i.test(values.id))
        throw new UsageError('--id must be a token id as tokens list prints it');
      const revoked =
        values.id === undefined
          ? await revokeAllTokens(sql, user.id, now)
          : (await revokeToken(sql, user.id, values.id, now))
            ? 1
            : 0;
      if (values.id !== undefined && revoked === 0)
        throw new CommandError(`the user has no unrevoked token ${values.id}`);
      print({ revoked });
      return 0;
    }
    const lifetimeDays = lifetimeOption(values);
    if (lifetimeDays === null && !user.is_operator)
      throw new CommandError('only operators may hold a token that never expires; use --expires-in-days');
    const { revoked, issued } = await rotateTokens(sql, {
      userId: user.id,
      name: values.name?.trim() || 'rotated by an operator',
      lifetimeDays,
      now,
    });
    print({ id: issued.id, token: issued.token, expiresAt: issued.expires_at, revoked });
    return 0;
  });
}

async function migrateCommand(): Promise<number> {
  const logger = createLogger({
    service: 'nudge-admin',
    instance: `nudge-admin-${process.pid}`,
    destination: process.stderr,
  });
  const { applied } = await runMigrations({ url: dbFragment(resolveSecretFiles(process.env)).url.url, logger });
  print({ applied });
  return 0;
}

const ROLE_PARSERS = { api: parseApiConfig, calls: parseCallsConfig, worker: parseWorkerConfig } as const;

function checkConfigCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { role: { type: 'string', default: 'api' } } });
  const role = values.role;
  if (role !== 'api' && role !== 'calls' && role !== 'worker')
    throw new UsageError('--role must be api, calls or worker');
  return runConfigCheck(role, ROLE_PARSERS[role]);
}

async function schemaVersionCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { code: { type: 'boolean', default: false } } });
  const code = (await listSqlMigrations()).at(-1)?.name ?? null;
  if (values.code) {
    print({ code });
    return 0;
  }
  const database = await withDatabase(async (sql) => {
    const [table] = await sql<{ found: boolean }[]>`select to_regclass('migrations') is not null as found`;
    if (table?.found !== true) return null;
    const [row] = await sql<{ name: string | null }[]>`select max(name) as name from migrations`;
    return row?.name ?? null;
  });
  print({ code, database });
  return 0;
}

async function verifySchemaCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { role: { type: 'string', default: 'api' } } });
  const role = values.role as SchemaRole;
  if (!['api', 'calls', 'worker'].includes(role)) throw new UsageError('--role must be api, calls or worker');
  const missing = await withDatabase((sql) => verifySchema(sql, role));
  for (const m of missing) {
    process.stderr.write(
      `missing column ${m.table}.${m.column}: apply migration ${m.migration} (nudge-admin migrate)\n`,
    );
  }
  print({ role, ok: missing.length === 0, missing });
  return missing.length === 0 ? 0 : 1;
}

function vapidKeysCommand(): number {
  print(generateVapidKeys());
  return 0;
}

/** The command's one option, a positive whole number of seconds. */
function secondsOption(args: string[], name: string, defaultSeconds: number): number {
  const { values } = parseArgs({ args, options: { [name]: { type: 'string', default: String(defaultSeconds) } } });
  const seconds = Number(values[name]);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new UsageError(`--${name} must be a whole number of seconds, such as ${defaultSeconds}`);
  return seconds;
}

async function healthCommand(args: string[]): Promise<number> {
  const seconds = secondsOption(args, 'stale-after-seconds', 300);
  const health = await withDatabase((sql) => deploymentHealth(sql, new Date(), seconds * 1000));
  for (const problem of health.problems) process.stderr.write(`unhealthy: ${problem}\n`);
  print({ ok: health.ok, problems: health.problems, instances: health.instances });
  return health.ok ? 0 : 1;
}

async function instancesCommand(args: string[]): Promise<number> {
  const maxAgeSeconds = secondsOption(args, 'max-age-seconds', 60);
  // The one list of instances (the admin API's); only the live ones are printed.
  const instances = await withDatabase((sql) => listInstances(sql, new Date(), maxAgeSeconds * 1000));
  for (const row of instances.filter((instance) => !instance.stale)) {
    print({
      instance: row.instance_id,
      role: row.role,
      version: row.version,
      schedulersEnabled: row.schedulers_enabled,
      startedAt: row.started_at.toISOString(),
      lastBeatAt: row.last_beat_at.toISOString(),
    });
  }
  return 0;
}

async function usersCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'deactivate')
    throw new UsageError(`unknown users action "${action ?? ''}" (expected: users deactivate --email EMAIL)`);
  const { values } = parseArgs({ args: rest, options: { email: { type: 'string' } } });
  const email = normalizeEmail(required(values, 'email'));
  if (email === undefined) throw new UsageError('--email must be an email address such as ada@example.com');
  const done = await withDatabase((sql) => deactivateByEmail(sql, email, new Date()));
  if (done.length === 0) process.stderr.write(`nudge-admin: no user has the email ${email}\n`);
  for (const user of done) print(user);
  return done.length === 0 ? 1 : 0;
}

/** nudge-admin's commands by name; each returns the process's exit code. */
const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = {
  'create-org': createOrgCommand,
  tokens: tokensCommand,
  'check-config': checkConfigCommand,
  migrate: migrateCommand,
  'verify-schema': verifySchemaCommand,
  'schema-version': schemaVersionCommand,
  'vapid-keys': vapidKeysCommand,
  health: healthCommand,
  instances: instancesCommand,
  users: usersCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command)) {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) throw new UsageError(`unknown command "${command}"`);
  return run(args);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`nudge-admin: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError || err instanceof EmailTakenError || err instanceof CommandError) {
    process.stderr.write(`nudge-admin: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`nudge-admin: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
