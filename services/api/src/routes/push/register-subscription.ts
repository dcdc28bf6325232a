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

/**
 * Registers a device for a user. An endpoint belongs to one user: the same user may register it
 * again (with renewed keys too); another user takes it over only with exactly the same keys,
 * which only the browser holding the subscription has (one browser profile, signed in by
 * someone else). Undefined when the endpoint belongs to another user under other keys; the row
 * is then left as it is.
 */
export async function registerSubscription(sql: Sql, r: Registration): Promise<SubscriptionRow | undefined> {
  const [row] = await sql<SubscriptionRow[]>`
    insert into push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
    values (${r.userId}, ${r.endpoint}, ${r.p256dh}, ${r.auth}, ${r.userAgent})
    on conflict (endpoint) do update set
      user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
      is_active = true, deactivated_at = null, deactivation_reason = null
    where push_subscriptions.user_id = excluded.user_id
       or (push_subscriptions.p256dh = excluded.p256dh and push_subscriptions.auth = excluded.auth)
    returning id, endpoint, user_agent, is_active, created_at, last_success_at, deactivated_at, deactivation_reason`;
  return row;
}

/**
 * The answer to a registration that was not taken: shaped exactly like a new one, so that the
 * registration endpoint does not tell whether someone else has registered an endpoint.
 */
export function unstoredRegistration(r: Registration, now: Date): SubscriptionRow {
  return { id: randomUUID(), endpoint: r.endpoint, user_agent: r.userAgent, is_active: true, created_at: now, last_success_at: null, deactivated_at: null, deactivation_reason: null };
}
