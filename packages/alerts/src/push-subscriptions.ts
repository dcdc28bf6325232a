import type { Sql, TransactionSql } from '@nudge/db';

/**
 * The only writer of push_subscriptions: a user registers and removes devices (api), and the
 * dispatcher records what the push service answered (worker). Inactive subscriptions are never
 * queried for delivery again.
 */

/** A push_subscriptions row. */
export interface PushSubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  is_active: boolean;
  created_at: Date;
  last_success_at: Date | null;
  deactivated_at: Date | null;
  deactivation_reason: string | null;
  consecutive_timeouts: number;
  quarantined_until: Date | null;
}

/** What a user sees of one of their subscriptions. */
export type SubscriptionView = Pick<
  PushSubscriptionRow,
  | 'id'
  | 'endpoint'
  | 'user_agent'
  | 'is_active'
  | 'created_at'
  | 'last_success_at'
  | 'deactivated_at'
  | 'deactivation_reason'
>;

export interface Registration {
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

export interface Registered {
  subscription: SubscriptionView;
  /** The user's older subscriptions deactivated to stay within the limit. */
  replaced: string[];
}

export function replacedReason(max: number): string {
  return `replaced by a newer subscription (at most ${max} per user)`;
}

/**
 * Registers a device for a user and keeps at most `max` of the user's subscriptions active:
 * beyond it the oldest others are deactivated, as browsers re-subscribe. An endpoint belongs to
 * one user: the same user may register it again (with renewed keys too); another user takes it
 * over only with exactly the same keys, which only the browser holding the subscription has
 * (one browser profile, signed in by someone else). Undefined when the endpoint belongs to
 * another user under other keys; the row is then left as it is. Registrations of one user are
 * serialised on the user's row, so concurrent ones cannot exceed the limit.
 */
export async function registerSubscription(sql: Sql, r: Registration, max: number): Promise<Registered | undefined> {
  return sql.begin(async (tx) => {
    // NO KEY UPDATE: serialises this user's registrations without blocking rows that reference the user.
    await tx`select id from users where id = ${r.userId} for no key update`;
    // In id order, as the dispatcher locks them when it records outcomes: the two cannot deadlock.
    await tx`select id from push_subscriptions where user_id = ${r.userId} and is_active order by id for no key update`;
    const [subscription] = await tx<SubscriptionView[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
      values (${r.userId}, ${r.endpoint}, ${r.p256dh}, ${r.auth}, ${r.userAgent})
      on conflict (endpoint) do update set
        user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
        is_active = true, deactivated_at = null, deactivation_reason = null, consecutive_timeouts = 0, quarantined_until = null
      where push_subscriptions.user_id = excluded.user_id
         or (push_subscriptions.p256dh = excluded.p256dh and push_subscriptions.auth = excluded.auth)
      returning id, endpoint, user_agent, is_active, created_at, last_success_at, deactivated_at, deactivation_reason`;
    if (subscription === undefined) return undefined;
    const replaced = await tx<Pick<PushSubscriptionRow, 'id'>[]>`
      update push_subscriptions set is_active = false, deactivated_at = now(), deactivation_reason = ${replacedReason(max)}
      where id in (
        select id from push_subscriptions
        where user_id = ${r.userId} and is_active and id <> ${subscription.id}
        order by created_at desc, id desc
        offset ${max - 1}
      )
      returning id`;
    return { subscription, replaced: replaced.map((row) => row.id) };
  });
}

/** The user removes one of their devices; false when it is not theirs (or does not exist). */
export async function removeSubscription(sql: Sql, subscriptionId: string, userId: string): Promise<boolean> {
  const rows = await sql`
    update push_subscriptions set is_active = false, deactivated_at = now(), deactivation_reason = 'removed by the user'
    where id = ${subscriptionId} and user_id = ${userId}
    returning id`;
  return rows.length > 0;
}

/** Row-locks subscriptions in one order, so replicas recording outcomes for the same ones cannot deadlock. */
export async function lockSubscriptions(tx: TransactionSql, ids: readonly string[]): Promise<void> {
  await tx`select id from push_subscriptions where id in ${tx(ids as string[])} order by id for no key update`;
}

/** The push service took a message: the endpoint is healthy again. */
export async function markPushSent(tx: TransactionSql, ids: readonly string[], now: Date): Promise<void> {
  await tx`update push_subscriptions set last_success_at = ${now}, consecutive_timeouts = 0, quarantined_until = null where id in ${tx(ids as string[])}`;
}

/** The endpoint is one the policy refuses to send to (it resolved to a private address, say). */
export async function deactivateRefused(tx: TransactionSql, ids: readonly string[], now: Date): Promise<void> {
  await tx`update push_subscriptions set is_active = false, deactivated_at = ${now}, deactivation_reason = 'endpoint_policy'
           where id in ${tx(ids as string[])} and is_active`;
}

/** The push service answered 404/410: the browser unsubscribed. Returns the ids this call deactivated. */
export async function deactivateGone(
  tx: TransactionSql,
  gone: readonly { id: string; status: number }[],
  now: Date,
): Promise<string[]> {
  const rows = await tx<Pick<PushSubscriptionRow, 'id'>[]>`
    update push_subscriptions s set is_active = false, deactivated_at = ${now},
      deactivation_reason = 'push service answered ' || v.status
    from unnest(${gone.map((g) => g.id)}::uuid[], ${gone.map((g) => String(g.status))}::text[]) as v(id, status)
    where s.id = v.id and s.is_active
    returning s.id`;
  return rows.map((row) => row.id);
}

/** A quarantined subscription, until when and after how many timeouts in a row. */
export type Quarantined = Pick<PushSubscriptionRow, 'id' | 'consecutive_timeouts'> & { quarantined_until: Date };

/**
 * Endpoints that timed out are left alone for a backoff that doubles per consecutive timeout,
 * from `baseMs` up to `maxMs`.
 */
export async function quarantineSubscriptions(
  tx: TransactionSql,
  ids: readonly string[],
  backoff: { baseMs: number; maxMs: number },
  now: Date,
): Promise<Quarantined[]> {
  return tx<Quarantined[]>`
    update push_subscriptions
    set consecutive_timeouts = consecutive_timeouts + 1,
        quarantined_until = ${now}::timestamptz + make_interval(secs => least(${backoff.maxMs / 1000}, ${backoff.baseMs / 1000} * power(2, least(consecutive_timeouts, 30))))
    where id in ${tx(ids as string[])}
    returning id, quarantined_until, consecutive_timeouts`;
}
