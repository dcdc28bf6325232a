import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '@nudge/config';
import { GoogleQuota, PostgresQuotaStore, RedisQuotaStore } from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import { VerificationCodes, type Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import {
  createHttpApp,
  databaseCheck,
  migrationsCheck,
  PushEndpointPolicy,
  redisCheck,
  schemaCheck,
  type Metrics,
  type Redis,
  type ResolveHost,
} from '@nudge/service';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import { KnownTokens } from './auth/known-tokens.js';
import { authPlugin } from './plugins/auth.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { alertRoutes } from './routes/alerts/index.js';
import { authRoutes } from './routes/auth/index.js';
import { SessionCookies } from './sessions/session-cookies.js';
import { calendarRoutes } from './routes/calendar/index.js';
import { notificationRoutes } from './routes/calendar/notifications.js';
import { checkinRoutes } from './routes/checkin/index.js';
import { operatorRoutes } from './routes/admin/index.js';
import { orgAdminRoutes } from './routes/org-admin/index.js';
import { meRoutes } from './routes/me/index.js';
import { phoneRoutes } from './routes/phone/index.js';
import { twilioVerificationSender, type VerificationSender } from './phone/verification-sender.js';
import { meetingRoutes } from './routes/meetings/index.js';
import { pushRoutes } from './routes/push/index.js';
import { ruleRoutes } from './routes/rules/index.js';
import { tokenRoutes } from './routes/tokens/index.js';
import { webAppRoutes } from './routes/web-app/index.js';
import { WEB_APP_DIR } from '@nudge/web';

export interface ApiDependencies {
  config: ApiConfig;
  clock: Clock;
  sql: Sql;
  /** Readiness checks' own connection (runRole gives one); tests may leave it to `sql`. */
  readinessSql?: Sql;
  logger: Logger;
  metrics: Metrics;
  /** Shared rate-limit counters (RATE_LIMIT_STORE=redis) and the Google quota's (GOOGLE_QUOTA_STORE=redis). */
  redis?: Redis;
  /** The built web app served under /app/; tests may point elsewhere. */
  webAppDir?: string;
  /** How push endpoint hosts are resolved for the endpoint policy: node's dns.lookup unless a test supplies its own. */
  resolvePushHost?: ResolveHost;
}

/** With escalation on: the codes (keyed by the Twilio auth token the calls role shares) and how they are sent. */
async function phoneVerification(
  config: ApiConfig,
): Promise<{ codes: VerificationCodes; sender: VerificationSender; channel: 'call' | 'sms' } | undefined> {
  if (config.phoneVerification === undefined) return undefined;
  const codes = new VerificationCodes(config.phoneVerification.twilio.authToken);
  return {
    codes,
    sender: await twilioVerificationSender(config.phoneVerification, codes),
    channel: config.phoneVerification.channel,
  };
}

/** The api as a fastify instance that tests build without listening. */
export async function buildApiApp(deps: ApiDependencies): Promise<FastifyInstance> {
  const { sql, clock, config } = deps;
  const probe = deps.readinessSql ?? sql;
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [
      databaseCheck(probe),
      migrationsCheck(probe),
      schemaCheck(probe, 'api'),
      ...(deps.redis === undefined ? [] : [redisCheck(deps.redis)]),
    ],
    http: config.http,
    docs: {
      title: 'Nudge API',
      description:
        'Meeting alerts with Web Push and phone escalation. Every error is {"error":{"code","message","details"}}.',
      version: config.process.version,
      publicBaseUrl: config.publicBaseUrl,
    },
  });
  await app.register(cors, {
    origin: config.corsOrigins.length === 0 ? false : config.corsOrigins,
    credentials: false,
  });
  // Cookies are parsed before rate limiting, so a proven session gets its own bucket as a token does.
  await app.register(cookie);
  const cookies = new SessionCookies(config.sessions.secureCookies);
  const knownTokens = new KnownTokens();
  await app.register(rateLimitPlugin, {
    limits: config.rateLimit,
    knownTokens,
    sessionCookie: cookies.session,
    ...(deps.redis === undefined || config.rateLimitStore !== 'redis' ? {} : { redis: deps.redis }),
  });
  await app.register(authPlugin, {
    sql,
    clock,
    knownTokens,
    cookies,
    sessions: config.sessions,
    publicOrigin: new URL(config.publicBaseUrl).origin,
  });
  await app.register(authRoutes, {
    sql,
    clock,
    cookies,
    sessions: config.sessions,
    publicBaseUrl: config.publicBaseUrl,
    google:
      config.google === undefined || config.googleSignIn === undefined
        ? undefined
        : { client: config.google, signIn: config.googleSignIn },
  });
  await app.register(meRoutes, { sql });
  await app.register(tokenRoutes, { sql, clock });
  // Only with escalation on: a number is verified to be called, and Twilio carries the code.
  const verification = await phoneVerification(config);
  if (verification !== undefined) await app.register(phoneRoutes, { sql, clock, verification });
  await app.register(meetingRoutes, { sql, clock });
  if (config.push !== undefined) {
    await app.register(ruleRoutes, { sql, clock });
    await app.register(alertRoutes, { sql, clock });
    const endpointPolicy = new PushEndpointPolicy({
      allowedHosts: config.push.endpointAllowedHosts,
      ...(deps.resolvePushHost === undefined ? {} : { resolve: deps.resolvePushHost }),
    });
    await app.register(pushRoutes, {
      sql,
      clock,
      push: config.push,
      endpointPolicy,
      maxSubscriptionsPerUser: config.pushMaxSubscriptionsPerUser,
    });
  }
  if (config.flags.checkin) await app.register(checkinRoutes, { sql, clock });
  if (config.google !== undefined && config.credentialsKey !== undefined && config.googleQuota !== undefined) {
    await app.register(calendarRoutes, {
      sql,
      clock,
      google: config.google,
      credentialsKey: config.credentialsKey,
      publicBaseUrl: config.publicBaseUrl,
      cookies,
      quota: new GoogleQuota({
        store:
          config.googleQuota.store === 'redis' && deps.redis !== undefined
            ? new RedisQuotaStore(deps.redis)
            : new PostgresQuotaStore(sql),
        settings: config.googleQuota,
        clock,
        logger: deps.logger,
      }),
    });
    await app.register(notificationRoutes, { sql, clock, metrics: deps.metrics });
  }
  await app.register(orgAdminRoutes, { sql, clock, publicBaseUrl: config.publicBaseUrl, mail: config.mail });
  await app.register(operatorRoutes, { sql, clock });
  await app.register(webAppRoutes, { root: deps.webAppDir ?? WEB_APP_DIR });
  return app;
}
