import type { OAuth2Client } from 'google-auth-library';
import {
  PRIMARY_CALENDAR,
  saveAccessToken,
  type CalendarApi,
  type GoogleClients,
  type RequestGate,
  type TokenCipher,
} from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { calendarWindow, type CalendarWindow } from './calendar-window.js';
import { readEventsPage, type EventsPage } from './events-page.js';
import type { LiveCredential } from './live-credentials.js';
import { pageChanges } from './meeting-changes.js';
import type { ProviderPolicy } from './provider-policy.js';
import { statusOf } from './sync-errors.js';
import type { SyncProgress } from './sync-runs.js';
import { applyPage } from './upsert-meetings.js';

export interface UserSyncSettings {
  horizonDays: number;
  /** events.list maxResults. */
  pageSize: number;
  /** A full listing this often, even with a good sync token: it is what brings meetings into the moving horizon. */
  fullResyncAfterMs: number;
  /** One HTTP request to Google; the user's whole budget is enforced around this. */
  requestTimeoutMs: number;
}

export interface UserSyncDeps {
  sql: Sql;
  clock: Clock;
  clients: GoogleClients;
  cipher: TokenCipher;
  policy: ProviderPolicy;
  settings: UserSyncSettings;
  /** The shared quota's gate for this credential's requests; undefined: not limited (tests, tools). */
  gate?: (credential: GatedCredential) => RequestGate;
}

/** What a gate needs to know of a credential: whose requests, and whether it is their first sync. */
export type GatedCredential = Pick<LiveCredential, 'user_id' | 'sync_token'>;

interface Listing {
  api: CalendarApi;
  auth: OAuth2Client;
  signal: AbortSignal;
  /** 401 → refresh once per sync; a second 401 is a failure. */
  refreshed: boolean;
}

/**
 * Reads one user's calendar into `meetings`: incremental from the stored sync token, or a full
 * listing of the window (first sync, a 410 for a stale token — in the same run — or the daily
 * resync). Every page is applied as it arrives; the new sync token is left in `progress` for
 * `completeUserSync`, which saves it only once everything else is in, so an interrupted run
 * starts again from the previous token and loses nothing.
 */
export async function syncUserCalendar(
  deps: UserSyncDeps,
  credential: LiveCredential,
  now: Date,
  signal: AbortSignal,
  progress: SyncProgress,
): Promise<void> {
  const { settings } = deps;
  const window = calendarWindow(now, settings.horizonDays);
  const auth = authorizedClient(deps, credential, settings.requestTimeoutMs);
  const listing: Listing = { api: deps.clients.calendar(auth), auth, signal, refreshed: false };
  const initialAccessToken = auth.credentials.access_token;
  try {
    const stale =
      credential.last_full_sync_at === null ||
      now.getTime() - credential.last_full_sync_at.getTime() >= settings.fullResyncAfterMs;
    if (credential.sync_token !== null && !stale) {
      try {
        progress.syncToken = await listAll(
          deps,
          listing,
          credential.user_id,
          { syncToken: credential.sync_token },
          window,
          progress,
        );
      } catch (error) {
        if (statusOf(error, now) !== 410) throw error;
        // Google forgot the token: the same run lists everything again.
      }
    }
    if (progress.syncToken === undefined) {
      progress.full = true;
      const query = { timeMin: window.start.toISOString(), timeMax: window.end.toISOString() };
      progress.syncToken = await listAll(deps, listing, credential.user_id, query, window, progress);
    }
  } finally {
    // Losing a refreshed token only costs another refresh next tick; it must not mask the sync's outcome.
    await keepRefreshedAccessToken(deps, credential, auth, initialAccessToken).catch(() => undefined);
  }
}

/** Every page of one listing, applied page by page; returns the listing's nextSyncToken. */
async function listAll(
  deps: UserSyncDeps,
  listing: Listing,
  userId: string,
  query: { syncToken: string } | { timeMin: string; timeMax: string },
  window: CalendarWindow,
  progress: SyncProgress,
): Promise<string> {
  let pageToken: string | undefined;
  for (;;) {
    listing.signal.throwIfAborted();
    const page = await fetchPage(deps, listing, { ...query, ...(pageToken === undefined ? {} : { pageToken }) });
    progress.pages += 1;
    if (progress.full)
      for (const event of page.items) if (typeof event.id === 'string') progress.listedIds.add(event.id);
    const counts = await applyPage(deps.sql, userId, PRIMARY_CALENDAR, pageChanges(page.items, window));
    progress.created += counts.created;
    progress.updated += counts.updated;
    progress.cancelled += counts.cancelled;
    progress.skipped += counts.skipped;
    progress.changedIds.push(...counts.changedIds);
    if (page.nextPageToken === undefined) return page.nextSyncToken!;
    pageToken = page.nextPageToken;
  }
}

async function fetchPage(deps: UserSyncDeps, listing: Listing, params: Record<string, string>): Promise<EventsPage> {
  const request = () =>
    deps.policy.execute(async () => {
      const response = await listing.api.events.list(
        { calendarId: PRIMARY_CALENDAR, singleEvents: true, maxResults: deps.settings.pageSize, ...params },
        { signal: listing.signal },
      );
      return readEventsPage(response.data);
    }, listing.signal);
  try {
    return await request();
  } catch (error) {
    if (statusOf(error, deps.clock.now()) !== 401 || listing.refreshed) throw error;
    // The access token was revoked or expired early: mark it expired so the next call refreshes first.
    listing.refreshed = true;
    listing.auth.setCredentials({ ...listing.auth.credentials, expiry_date: 1 });
    return request();
  }
}

export function authorizedClient(
  deps: Pick<UserSyncDeps, 'clients' | 'cipher' | 'gate'>,
  credential: LiveCredential,
  requestTimeoutMs: number,
): OAuth2Client {
  const gate = deps.gate?.(credential);
  const auth = deps.clients.oauth({ ...(gate === undefined ? {} : { gate }), requestTimeoutMs });
  const accessToken =
    credential.access_token_enc === null
      ? undefined
      : deps.cipher.decrypt(credential.access_token_enc, credential.user_id);
  auth.setCredentials({
    refresh_token: deps.cipher.decrypt(credential.refresh_token_enc, credential.user_id),
    ...(accessToken === undefined ? {} : { access_token: accessToken }),
    // Always an expiry: without one the library refreshes and retries on its own after any 401
    // or 403 — a rate-limit 403 included — bypassing our policy. Unknown counts as expired.
    expiry_date: credential.expires_at?.getTime() ?? 1,
  });
  return auth;
}

/** A refreshed access token is kept (encrypted), so the next tick does not refresh again. */
export async function keepRefreshedAccessToken(
  deps: Pick<UserSyncDeps, 'sql' | 'cipher' | 'clock'>,
  credential: LiveCredential,
  auth: OAuth2Client,
  initial: string | null | undefined,
): Promise<void> {
  const { access_token: current, expiry_date: expiry } = auth.credentials;
  if (typeof current !== 'string' || current === initial) return;
  const expiresAt = typeof expiry === 'number' ? new Date(expiry) : null;
  await saveAccessToken(
    deps.sql,
    credential.id,
    deps.cipher.encrypt(current, credential.user_id),
    expiresAt,
    deps.clock.now(),
  );
}
