import type { Sql } from '@nudge/db';

export interface SubscriptionInput {
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

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
  subscription: SubscriptionRow;
  /** False when the endpoint was known and is updated. */
  inserted: boolean;
  /** The user's older subscriptions deactivated to stay within the limit. */
  replaced: string[];
}

export function replacedReason(max: number): string {
  return `replaced by a newer subscription (at most ${max} per user)`;
}

/**
 * Saves a browser's subscription and keeps at most `max` of the user's subscriptions active:
 * beyond it the oldest others are deactivated, as browsers re-subscribe. Registrations of one
 * user are serialised on the user's row, so concurrent ones cannot exceed the limit.
 */
export async function registerSubscription(sql: Sql, input: SubscriptionInput, max: number): Promise<Registration> {
  return sql.begin(async (tx) => {
    // NO KEY UPDATE: serialises this user's registrations without blocking rows that reference the user.
    await tx`select id from users where id = ${input.userId} for no key update`;
    // In id order, as the dispatcher locks them when it records outcomes: the two cannot deadlock.
    await tx`select id from push_subscriptions where user_id = ${input.userId} and is_active order by id for no key update`;
    // Re-subscribing the same endpoint updates it (new keys, reactivated, its current owner).
    const [row] = await tx<(SubscriptionRow & { inserted: boolean })[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
      values (${input.userId}, ${input.endpoint}, ${input.p256dh}, ${input.auth}, ${input.userAgent})
      on conflict (endpoint) do update set
        user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
        is_active = true, deactivated_at = null, deactivation_reason = null, consecutive_timeouts = 0, quarantined_until = null
      returning id, endpoint, user_agent, is_active, created_at, last_success_at, deactivated_at, deactivation_reason, (xmax = 0) as inserted`;
    const { inserted, ...subscription } = row!;
    const replaced = await tx<{ id: string }[]>`
      update push_subscriptions set is_active = false, deactivated_at = now(), deactivation_reason = ${replacedReason(max)}
      where id in (
        select id from push_subscriptions
        where user_id = ${input.userId} and is_active and id <> ${subscription.id}
        order by created_at desc, id desc
        offset ${max - 1}
      )
      returning id`;
    return { subscription, inserted, replaced: replaced.map((r) => r.id) };
  });
}
