import { randomUUID } from 'node:crypto';
import type { Registration, SubscriptionView } from '@nudge/alerts';

/**
 * The answer to a registration that was not taken: shaped exactly like a new one, so that the
 * registration endpoint does not tell whether someone else has registered an endpoint.
 */
export function unstoredRegistration(r: Registration, now: Date): SubscriptionView {
  return {
    id: randomUUID(),
    endpoint: r.endpoint,
    user_agent: r.userAgent,
    is_active: true,
    created_at: now,
    last_success_at: null,
    deactivated_at: null,
    deactivation_reason: null,
  };
}
