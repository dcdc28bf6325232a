import { randomUUID } from 'node:crypto';
import type { Sql } from '@nudge/db';

export interface SubscriptionRow {
  id: string;
  endpoint: string;
  user_agent: string | null;
  is_active: boolean;
  created_at: Date;
  last_success_at: Date | null;
  deactivated_at: Date | null;
  deactivation_reason: string | null;
}

export interface Registration {
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

export interface Registered {
  subscription: SubscriptionRow;
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
    const [subscription] = await tx<SubscriptionRow[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
      values (${r.userId}, ${r.endpoint}, ${r.p256dh}, ${r.auth}, ${r.userAgent})
      on conflict (endpoint) do update set
        user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
        is_active = true, deactivated_at = null, deactivation_reason = null, consecutive_timeouts = 0, quarantined_until = null
      where push_subscriptions.user_id = excluded.user_id
         or (push_subscriptions.p256dh = excluded.p256dh and push_subscriptions.auth = excluded.auth)
      returning id, endpoint, user_agent, is_active, created_at, last_success_at, deactivated_at, deactivation_reason`;
    if (subscription === undefined) return undefined;
    const replaced = await tx<{ id: string }[]>`
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

/**
 * The answer to a registration that was not taken: shaped exactly like a new one, so that the
 * registration endpoint does not tell whether someone else has registered an endpoint.
 */
export function unstoredRegistration(r: Registration, now: Date): SubscriptionRow {
  return { id: randomUUID(), endpoint: r.endpoint, user_agent: r.userAgent, is_active: true, created_at: now, last_success_at: null, deactivated_at: null, deactivation_reason: null };
}
