import type { ServerResponse } from 'node:http';
import type { GoogleConfig } from '@nudge/config';
import { encodeBase64urlJson } from '../http/base64url-json.js';
import { Latencies } from '../http/latencies.js';
import { HttpEmulator, type EmulatorOptions, type Exchange } from '../http/http-emulator.js';
import type { RecordedRequest } from '../http/recorded-request.js';
import { pause, sendJson, sendText } from '../http/responses.js';
import { ANY, ScriptedResponses } from '../http/scripted-responses.js';
import { CalendarEvents, type CalendarEvent, type EventInput, type StoredEvent } from './calendar-events.js';
import { sendFailure, sendGoogleError, type CalendarFailure } from './calendar-failures.js';
import { EVENTS_PATH, eventsList } from './calendar-route.js';
import { CalendarQuota, type CalendarQuotaLimits } from './calendar-quota.js';
import { STOP_PATH, stopChannel, WATCH_PATH, watchEvents } from './channel-routes.js';
import { NotificationSender, type DeliveredNotification } from './notification-sender.js';
import { WatchChannels, type WatchChannel } from './watch-channels.js';
import { OAuthGrants, type TokenResponse } from './oauth-grants.js';
import { authorize, revoke, token, type OAuthClient } from './oauth-routes.js';
import { OidcIdentity, type AccountOptions, type IdTokenClaims } from './oidc-identity.js';

export const CALENDAR_READONLY_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

export interface GoogleEmulatorOptions extends EmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSeconds?: number;
  /** Accept http://127.0.0.1 (and localhost) watch addresses, which Google refuses; on by default for tests. */
  allowHttpLoopbackChannels?: boolean;
}

/**
 * Google OAuth 2.0 and the Calendar v3 `events.list` resource on one local HTTP server.
 * The real clients reach it through `OAuth2Client`'s `endpoints` and the API's `rootUrl`.
 */
export class GoogleEmulator extends HttpEmulator {
  readonly client: OAuthClient;
  private readonly grants: OAuthGrants;
  private readonly calendar: CalendarEvents;
  private readonly failures = new ScriptedResponses<CalendarFailure>();
  private readonly latencies = new Latencies();
  private readonly consentDenials = new ScriptedResponses<true>();
  private consentUser: string | undefined;
  /** The OpenID Connect signing key and ID tokens. */
  readonly identity: OidcIdentity;
  private readonly idTokenOverrides = new ScriptedResponses<Partial<IdTokenClaims> & Record<string, unknown>>();
  private readonly channels: WatchChannels;
  private readonly sender: NotificationSender;
  /** Per-minute project and per-user request counters; unlimited until `setQuota`. */
  readonly quota: CalendarQuota;

  constructor(options: GoogleEmulatorOptions = {}) {
    super(options);
    this.client = {
      clientId: options.clientId ?? 'nudge-test.apps.googleusercontent.com',
      clientSecret: options.clientSecret ?? 'test-google-secret',
    };
    this.grants = new OAuthGrants(this.now, options.accessTokenTtlSeconds ?? 3600);
    this.calendar = new CalendarEvents(this.now, (email) => this.notifyChange(email));
    this.identity = new OidcIdentity(this.now);
    this.grants.idTokens = (account, consent) => {
      const claims = this.identity.claimsFor(account, this.issuer, consent.clientId, consent.nonce);
      return this.identity.sign({ ...claims, ...this.idTokenOverrides.take(ANY) });
    };
    this.channels = new WatchChannels(this.now, options.allowHttpLoopbackChannels ?? true);
    this.sender = new NotificationSender(this.now, { record: options.recordRequests ?? true });
    this.quota = new CalendarQuota(this.now);
  }

  static async start(options?: GoogleEmulatorOptions): Promise<GoogleEmulator> {
    return new GoogleEmulator(options).start();
  }

  /** GOOGLE_OAUTH_AUTH_URL */
  get authUrl(): string {
    return `${this.url}/o/oauth2/v2/auth`;
  }

  /** GOOGLE_OAUTH_TOKEN_URL */
  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  get revokeUrl(): string {
    return `${this.url}/revoke`;
  }

  /** GOOGLE_API_ROOT_URL: the `rootUrl` the googleapis client needs (with its slash). */
  get apiRootUrl(): string {
    return `${this.url}/`;
  }

  /** GOOGLE_OIDC_ISSUER: the `iss` of the emulator's ID tokens. */
  get issuer(): string {
    return this.url;
  }

  /** GOOGLE_OIDC_CERTS_URL: the signing keys in the PEM form google-auth-library reads in Node. */
  get certsUrl(): string {
    return `${this.url}/oauth2/v1/certs`;
  }

  /** The settings that point a role's Google endpoints (OAuth, Calendar API, sign-in keys) at this emulator. */
  endpointEnv(): Record<string, string> {
    return {
      GOOGLE_OAUTH_AUTH_URL: this.authUrl,
      GOOGLE_OAUTH_TOKEN_URL: this.tokenUrl,
      GOOGLE_OAUTH_REVOKE_URL: this.revokeUrl,
      GOOGLE_API_ROOT_URL: this.apiRootUrl,
      GOOGLE_OIDC_ISSUER: this.issuer,
      GOOGLE_OIDC_CERTS_URL: this.certsUrl,
    };
  }

  /** A role's Google settings pointing at this emulator, for clients built in-process. */
  clientConfig(): GoogleConfig {
    const { clientId, clientSecret } = this.client;
    return {
      clientId,
      clientSecret,
      authUrl: this.authUrl,
      tokenUrl: this.tokenUrl,
      revokeUrl: this.revokeUrl,
      apiRootUrl: this.url,
    };
  }

  /** The JWKS, as the discovery document names it. */
  get jwksUrl(): string {
    return `${this.url}/oauth2/v3/certs`;
  }

  /**
   * Adds a test user (a workspace account with `hd`, an unverified email, a given `sub`); the
   * first one added is who the consent screen approves by default.
   */
  addUser(email: string, options?: AccountOptions): void {
    this.grants.addUser(email, options);
    this.consentUser ??= email;
  }

  /** The user the consent screen signs in when the request has no `login_hint` of a known user. */
  approveAs(email: string, options?: AccountOptions): void {
    this.addUser(email, options);
    this.consentUser = email;
  }

  /** The next `times` ID tokens carry these claims instead of Google's (a wrong `aud`, an `exp` in the past, …). */
  tamperNextIdToken(claims: Partial<IdTokenClaims> & Record<string, unknown>, times = 1): void {
    this.idTokenOverrides.add(ANY, claims, times);
  }

  /** The Google account (`sub`, `hd`, …) behind an email the emulator knows. */
  account(email: string) {
    return this.grants.account(email);
  }

  /** The next `times` consents redirect with `error=access_denied`. */
  denyConsent(times = 1): void {
    this.consentDenials.add(ANY, true, times);
  }

  /** Tokens as if the user had consented, for seeding tests and benchmarks. */
  grantTokens(email: string, scope = CALENDAR_READONLY_SCOPE): TokenResponse {
    return this.grants.grant(email, this.client.clientId, scope);
  }

  /** The user revoked access: refreshes get `invalid_grant`, API calls 401. */
  revokeUser(email: string): void {
    this.grants.revokeUser(email);
    // A revoked grant ends the channels made with it: Google stops notifying for them.
    this.channels.stopAllOf(email);
  }

  /** The watch channels still delivering (not stopped, not expired), for one user or all. */
  activeChannels(email?: string): WatchChannel[] {
    return this.channels.active(email);
  }

  /** Every channel ever created, stopped and expired ones included. */
  allChannels(email?: string): WatchChannel[] {
    return this.channels.all(email);
  }

  /** The channel expires now (Google stops delivering; the owner must have renewed). */
  expireChannel(id: string): void {
    this.channels.expire(id);
  }

  /** The user's next `times` change notifications are lost on the way. */
  loseNotifications(email: string, times = 1): void {
    this.sender.lose(email, times);
  }

  /** Notifications sent so far, in order (recorded unless `recordRequests` is off). */
  get notifications(): readonly DeliveredNotification[] {
    return this.sender.delivered;
  }

  /** Waits until every notification sent so far has been answered. */
  notificationsSettled(): Promise<void> {
    return this.sender.settled();
  }

  /** Enforce Google's per-minute limits (project and per user) with Google's error bodies; undefined lifts them. */
  setQuota(limits: CalendarQuotaLimits | undefined): void {
    this.quota.limits = limits;
  }

  private notifyChange(email: string): void {
    for (const channel of this.channels.active(email)) this.sender.send(channel, 'exists');
  }

  expireAccessTokens(email: string): void {
    this.grants.expireAccessTokens(email);
  }

  putEvent(email: string, input: EventInput): CalendarEvent {
    return this.calendar.put(email, input);
  }

  modifyEvent(email: string, id: string, changes: Partial<Omit<EventInput, 'id'>>): CalendarEvent {
    return this.calendar.modify(email, id, changes);
  }

  cancelEvent(email: string, id: string): CalendarEvent {
    return this.calendar.cancel(email, id);
  }

  events(email: string): StoredEvent[] {
    return this.calendar.stored(email);
  }

  /** A sync token as a full listing would end with now, for seeding benchmarks without listing. */
  currentSyncToken(email: string): string {
    return encodeBase64urlJson({ u: email, s: this.calendar.sequenceOf(email) });
  }

  /** The user's next sync token request gets 410 fullSyncRequired. */
  invalidateSyncTokens(email: string): void {
    this.calendar.invalidateSyncTokens(email);
  }

  /** The user's next `times` Calendar requests fail this way (`ANY` for every user). */
  failNext(email: string, failure: CalendarFailure, times = 1): void {
    this.failures.add(email, failure, times);
  }

  clearFailures(email?: string): void {
    this.failures.clear(email);
  }

  /** Delay before every Calendar answer for the user (`ANY` for every user). */
  setLatency(email: string, ms: number): void {
    this.latencies.set(email, ms);
  }

  /** The Calendar requests made with the user's tokens. */
  calendarRequests(email: string): RecordedRequest[] {
    return this.requests.items.filter((r) => r.subject === email && EVENTS_PATH.test(r.path));
  }

  protected async route({ req, res, url, recorded, signal }: Exchange): Promise<void> {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (route === 'GET /o/oauth2/v2/auth') {
      return authorize(url, res, this.grants, this.client, {
        defaultUser: () => this.consentUser,
        denies: () => this.consentDenials.take(ANY) === true,
      });
    }
    if (route === 'POST /token') return token(req, res, this.grants, this.client);
    if (route === 'GET /.well-known/openid-configuration') return sendJson(res, 200, this.discoveryDocument());
    if (route === 'GET /oauth2/v3/certs')
      return sendJson(res, 200, this.identity.jwks(), { 'cache-control': 'public, max-age=300' });
    if (route === 'GET /oauth2/v1/certs')
      return sendJson(res, 200, this.identity.pemCerts(), { 'cache-control': 'public, max-age=300' });
    if (route === 'POST /revoke') return revoke(req, url, res, this.grants);
    const calendarRoute =
      (req.method === 'GET' && EVENTS_PATH.test(url.pathname)) ||
      (req.method === 'POST' && (WATCH_PATH.test(url.pathname) || url.pathname === STOP_PATH));
    if (calendarRoute) {
      const email = this.grants.userOf(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (email !== undefined) {
        const verdict = this.quota.admit(email);
        if (!verdict.ok) {
          recorded.subject = email;
          return sendUsageLimit(res, verdict.status, verdict.reason, verdict.message, verdict.retryAfterSeconds);
        }
      }
    }
    if (req.method === 'POST' && (WATCH_PATH.test(url.pathname) || url.pathname === STOP_PATH)) {
      const email = this.grants.userOf(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (email === undefined)
        return sendGoogleError(res, 401, 'authError', 'Request had invalid authentication credentials.');
      recorded.subject = email;
      await pause(this.latencies.get(email), signal);
      const failure = this.failures.take(email);
      if (failure !== undefined) return sendFailure(res, failure, signal);
      if (url.pathname === STOP_PATH) return stopChannel(req, res, email, this.channels);
      return watchEvents(req, url, res, email, { channels: this.channels, sender: this.sender, apiUrl: this.url });
    }
    if (req.method === 'GET' && EVENTS_PATH.test(url.pathname)) {
      const deps = {
        grants: this.grants,
        calendar: this.calendar,
        failures: this.failures,
        latencies: this.latencies,
        now: this.now,
      };
      return eventsList(req, url, res, deps, signal, recorded);
    }
    sendText(res, 404, `Google emulator: no route for ${route}`);
  }

  private discoveryDocument(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: this.authUrl,
      token_endpoint: this.tokenUrl,
      revocation_endpoint: this.revokeUrl,
      jwks_uri: this.jwksUrl,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'hd', 'iat', 'iss', 'name', 'nonce', 'sub'],
    };
  }
}

/** A usage limit refusal as Google words it: domain usageLimits, with Retry-After. */
function sendUsageLimit(
  res: ServerResponse,
  status: number,
  reason: string,
  message: string,
  retryAfterSeconds: number,
): void {
  sendJson(
    res,
    status,
    {
      error: {
        code: status,
        message,
        errors: [{ domain: 'usageLimits', reason, message }],
        status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'PERMISSION_DENIED',
      },
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
