import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestGate } from '../google-clients.js';
import { googleFailureOf, isRateLimit } from '../google-errors.js';
import type { GoogleQuotaConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { Counter, Gauge, type Registry } from 'prom-client';
import { globalKeyOf, NO_PRESSURE, type QuotaPressure, type QuotaStore } from './quota-store.js';

/**
 * What a request is for. Targeted syncs answer a real change; channel calls keep notifications
 * coming; safety polls only guard against a lost notification, so they yield under pressure.
 */
export type RequestKind = 'targeted' | 'channel' | 'poll';

/** Safety polls may use this share of a second's budget; the rest is kept for targeted syncs and channels. */
const POLL_SHARE = 0.6;
/** A rate limit halves the budget, never below this share. */
const MIN_FACTOR = 0.1;
/** After a rate limit the budget grows back by this share per minute. */
const RECOVERY_PER_MINUTE = 0.5;
/** Pressure is read from the store at most this often per process. */
const PRESSURE_REFRESH_MS = 500;
const MINUTE_MS = 60_000;

export interface QuotaMetrics {
  requests: Counter<'kind'>;
  rateLimited: Counter<'scope'>;
}

export function createQuotaMetrics(registry: Registry, quota: () => GoogleQuota | undefined): QuotaMetrics {
  new Gauge({
    name: 'nudge_google_quota_budget_per_minute',
    help: 'Requests to Google the deployment allows itself per minute now (shrunk after a rate limit)',
    registers: [registry],
    collect() {
      const current = quota();
      if (current !== undefined) this.set(current.budgetPerMinute());
    },
  });
  new Gauge({
    name: 'nudge_google_quota_remaining',
    help: 'Requests to Google left in the budget over the last minute, across every worker replica',
    registers: [registry],
    async collect() {
      const current = quota();
      if (current !== undefined) this.set(await current.remaining());
    },
  });
  return {
    requests: new Counter({
      name: 'nudge_google_requests_total',
      help: 'Requests to Google by kind (targeted sync, channel, safety poll)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'nudge_google_rate_limited_total',
      help: 'Rate limits Google answered (429 or usageLimits 403), by scope',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
  };
}

export interface GoogleQuotaDeps {
  store: QuotaStore;
  settings: GoogleQuotaConfig;
  clock: Clock;
  logger: Logger;
  metrics?: QuotaMetrics;
}

/**
 * The deployment's one budget for Google. Every request waits for a slot in the current
 * second's window (the per-minute budget spread over 60 one-second windows, so no sliding
 * minute can exceed it) and in its user's minute. A rate limit from Google shrinks the shared
 * budget by half and pauses every replica for Retry-After; the budget then grows back.
 */
export class GoogleQuota {
  private pressure: QuotaPressure = NO_PRESSURE;
  private pressureReadAt = 0;

  constructor(private readonly deps: GoogleQuotaDeps) {}

  /** The gate for one user's requests of one kind. */
  gate(kind: RequestKind, userId: string): RequestGate {
    return {
      before: (signal) => this.acquire(kind, userId, signal),
      answered: (error) => {
        if (error !== undefined) void this.onFailure(error, userId);
      },
    };
  }

  /** The budget per minute in force now. */
  budgetPerMinute(nowMs = this.deps.clock.now().getTime()): number {
    return Math.floor(this.deps.settings.requestsPerMinute * this.factor(nowMs));
  }

  async remaining(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    return Math.max(0, this.budgetPerMinute(now) - (await this.deps.store.usedLastMinute(now)));
  }

  async acquire(kind: RequestKind, userId: string, signal?: AbortSignal): Promise<void> {
    const { settings, store, clock } = this.deps;
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now().getTime();
      await this.refreshPressure(now);
      if (this.pressure.pausedUntil > now) {
        await sleep(this.pressure.pausedUntil - now + jitter(kind), undefined, { signal });
        continue;
      }
      const second = Math.floor(now / 1000);
      const perSecond = Math.max(1, Math.floor((settings.requestsPerMinute * this.factor(now)) / 60));
      const limit = kind === 'poll' ? Math.max(1, Math.floor(perSecond * POLL_SHARE)) : perSecond;
      const minute = Math.floor(now / MINUTE_MS);
      const outcome = await store.take({
        globalKey: globalKeyOf(second),
        globalLimit: limit,
        globalTtlMs: 61_000,
        userKey: `u:${userId}:${minute}`,
        userLimit: settings.perUserPerMinute,
        userTtlMs: MINUTE_MS + 1_000,
      });
      if (outcome === 'granted') {
        this.deps.metrics?.requests.inc({ kind });
        return;
      }
      // The next window: the next second, or the user's next minute.
      const nextWindow = outcome === 'global' ? (second + 1) * 1000 : (minute + 1) * MINUTE_MS;
      await sleep(Math.max(1, nextWindow - clock.now().getTime()) + jitter(kind), undefined, { signal });
    }
  }

  private factor(nowMs: number): number {
    return factorOf(this.pressure, nowMs);
  }

  private async refreshPressure(nowMs: number): Promise<void> {
    if (nowMs - this.pressureReadAt < PRESSURE_REFRESH_MS) return;
    this.pressureReadAt = nowMs;
    this.pressure = await this.deps.store.readPressure();
  }

  private async onFailure(error: unknown, userId: string): Promise<void> {
    const { clock, logger, store } = this.deps;
    const now = clock.now();
    if (!isRateLimit(error, now)) return;
    const failure = googleFailureOf(error, now);
    const scope = failure.reason === 'userRateLimitExceeded' ? 'user' : 'project';
    this.deps.metrics?.rateLimited.inc({ scope });
    // One user's ceiling says nothing about the project's budget: only that user waits (its window is full).
    if (scope === 'user') return;
    const nowMs = now.getTime();
    try {
      const shared = await store.readPressure();
      const pausedUntil = Math.max(shared.pausedUntil, nowMs + (failure.retryAfterSeconds ?? 1) * 1000);
      // Replicas hit by the same storm would all halve at once: one halving per second is enough.
      const pressure: QuotaPressure =
        nowMs - shared.since < 1_000
          ? { ...shared, pausedUntil }
          : { factor: Math.max(MIN_FACTOR, factorOf(shared, nowMs) / 2), since: nowMs, pausedUntil };
      await store.writePressure(pressure);
      this.pressure = pressure;
      this.pressureReadAt = nowMs;
      logger.warn(
        {
          event: 'google.quota.rate_limited',
          user_id: userId,
          status: failure.status,
          reason: failure.reason,
          retry_after_seconds: failure.retryAfterSeconds,
          budget_per_minute: this.budgetPerMinute(nowMs),
        },
        `Google rate-limited the project: budget shrunk to ${this.budgetPerMinute(nowMs)} requests per minute`,
      );
    } catch (storeError) {
      logger.error(
        { event: 'google.quota.store_failed', err: storeError },
        'could not record a Google rate limit in the shared quota',
      );
    }
  }
}

/** The share of the budget in force at `nowMs`: the shrunk factor, grown back since the rate limit. */
function factorOf({ factor, since }: QuotaPressure, nowMs: number): number {
  if (factor >= 1) return 1;
  return Math.min(1, factor + (Math.max(0, nowMs - since) / MINUTE_MS) * RECOVERY_PER_MINUTE);
}

/** Waiters spread over a few ms so they do not all return at once; targeted syncs return first. */
function jitter(kind: RequestKind): number {
  return kind === 'poll' ? 20 + Math.random() * 80 : Math.random() * 20;
}
