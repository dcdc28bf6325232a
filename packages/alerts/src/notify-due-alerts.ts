import type { Sql } from '@nudge/db';
import { stateAfter, statesFrom, type AlertState, type DeliveryChannel, type DeliveryStatus } from '@nudge/domain';
import { recordAlertEvents } from './alert-transitions.js';
import { issueCheckinTokens } from './checkin-tokens.js';
import type { CheckinTokens, ClaimedDelivery } from './claimed-delivery.js';
import type { PushSubscriptionRow } from './push-subscriptions.js';

interface DueAlert {
  id: string;
  user_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  escalate_after_seconds: number;
}

export interface NotifyRound {
  /** Alerts claimed this round (sent, without subscribers, or expired). */
  claimed: number;
  deliveries: ClaimedDelivery[];
  /** Alerts notified with no active subscription: nothing to send, escalation can take over. */
  withoutSubscriptions: string[];
  expired: number;
  tokens: CheckinTokens;
}

export interface NotifyOptions {
  now: Date;
  limit: number;
  checkinEnabled: boolean;
  escalationEnabled: boolean;
}

/**
 * The dispatcher's set-based `markNotified`: claims due alerts (FOR UPDATE SKIP LOCKED, so
 * replicas never take the same one) among the states `notify` may leave, expires those whose
 * meeting already started, moves the others to `notified` and creates one delivery per active
 * subscription, held by this process as `processing` — or, for an endpoint quarantined after
 * timeouts, `pending` until its quarantine ends. All in one transaction: a crash before commit
 * leaves the alerts due; after commit the deliveries are durable and another dispatcher
 * reclaims any this one never finished.
 */
export async function notifyDueAlerts(sql: Sql, options: NotifyOptions): Promise<NotifyRound> {
  const { now } = options;
  return sql.begin(async (tx) => {
    const due = await tx<DueAlert[]>`
      select a.id, a.user_id, m.title, m.starts_at, m.ends_at, r.escalate_after_seconds
      from alerts a
      join meetings m on m.id = a.meeting_id
      join alert_rules r on r.id = a.rule_id
      where a.state in ${tx(statesFrom('notify') as AlertState[])} and a.due_at <= ${now}
      order by a.due_at
      limit ${options.limit}
      for update of a skip locked`;
    const round: NotifyRound = {
      claimed: due.length,
      deliveries: [],
      withoutSubscriptions: [],
      expired: 0,
      tokens: new Map(),
    };
    if (due.length === 0) return round;

    const late = due.filter((a) => a.starts_at <= now).map((a) => a.id);
    if (late.length > 0) {
      // Claimed and locked above; the compare-and-set holds the rule even so.
      await tx`update alerts set state = ${stateAfter('expire')}, updated_at = now() where id in ${tx(late)} and state in ${tx(statesFrom('expire') as AlertState[])}`;
      await recordAlertEvents(
        tx,
        late.map((id) => ({
          alert_id: id,
          kind: 'expired',
          detail: { reason: 'the meeting started before the alert was sent' },
        })),
      );
      round.expired = late.length;
    }
    const sendable = due.filter((a) => a.starts_at > now);
    if (sendable.length === 0) return round;

    const subscriptions = await tx<
      Pick<PushSubscriptionRow, 'id' | 'user_id' | 'endpoint' | 'p256dh' | 'auth' | 'quarantined_until'>[]
    >`
      select id, user_id, endpoint, p256dh, auth, quarantined_until from push_subscriptions
      where is_active and user_id in ${tx([...new Set(sendable.map((a) => a.user_id))])}`;
    const byUser = Map.groupBy(subscriptions, (s) => s.user_id);

    const ids = sendable.map((a) => a.id);
    await tx`
      update alerts a set state = ${stateAfter('notify')}, updated_at = now(),
        escalate_at = case when ${options.escalationEnabled} then ${now}::timestamptz + make_interval(secs => r.escalate_after_seconds) end
      from alert_rules r
      where r.id = a.rule_id and a.id in ${tx(ids)} and a.state in ${tx(statesFrom('notify') as AlertState[])}`;
    await recordAlertEvents(
      tx,
      sendable.map((a) => {
        const targets = byUser.get(a.user_id) ?? [];
        const quarantined = targets.filter((s) => isQuarantined(s, now)).length;
        const detail =
          targets.length === 0
            ? { subscriptions: 0, reason: 'no active push subscription' }
            : { subscriptions: targets.length, ...(quarantined > 0 ? { quarantined } : {}) };
        return { alert_id: a.id, kind: 'notified', detail };
      }),
    );

    const rows = sendable.flatMap((alert) =>
      (byUser.get(alert.user_id) ?? []).map((s): NewDelivery =>
        isQuarantined(s, now)
          ? {
              alert_id: alert.id,
              channel: 'push',
              target_id: s.id,
              attempt: 1,
              status: 'pending',
              attempts: 0,
              last_attempt_at: null,
              not_before: earliest(s.quarantined_until, alert.starts_at),
            }
          : {
              alert_id: alert.id,
              channel: 'push',
              target_id: s.id,
              attempt: 1,
              status: 'processing',
              attempts: 1,
              last_attempt_at: now,
              not_before: now,
            },
      ),
    );
    round.withoutSubscriptions = sendable.filter((a) => (byUser.get(a.user_id)?.length ?? 0) === 0).map((a) => a.id);
    if (rows.length === 0) return round;
    const inserted = await tx<{ id: string; alert_id: string; target_id: string; status: DeliveryStatus }[]>`
      insert into deliveries ${tx(rows)} returning id, alert_id, target_id, status`;

    if (options.checkinEnabled) {
      const withTargets = sendable.filter((a) => byUser.has(a.user_id));
      round.tokens = await issueCheckinTokens(
        tx,
        withTargets.map((a) => ({ alertId: a.id, expiresAt: a.ends_at })),
      );
    }
    const alerts = new Map(sendable.map((a) => [a.id, a]));
    const subs = new Map(subscriptions.map((s) => [s.id, s]));
    round.deliveries = inserted
      .filter((row) => row.status === 'processing')
      .map((row) => {
        const alert = alerts.get(row.alert_id)!;
        const sub = subs.get(row.target_id)!;
        return {
          delivery_id: row.id,
          alert_id: row.alert_id,
          user_id: alert.user_id,
          subscription_id: sub.id,
          attempt: 1,
          endpoint: sub.endpoint,
          p256dh: sub.p256dh,
          auth: sub.auth,
          title: alert.title,
          starts_at: alert.starts_at,
          ends_at: alert.ends_at,
        };
      });
    return round;
  });
}

interface NewDelivery {
  alert_id: string;
  channel: DeliveryChannel;
  target_id: string;
  attempt: number;
  status: DeliveryStatus;
  attempts: number;
  last_attempt_at: Date | null;
  not_before: Date;
}

function isQuarantined(
  subscription: { quarantined_until: Date | null },
  now: Date,
): subscription is { quarantined_until: Date } {
  return subscription.quarantined_until !== null && subscription.quarantined_until > now;
}

// Once the meeting starts the delivery is closed unsent; its alert's summary need not wait for the quarantine.
function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

/** Alerts due and not sent yet, for the operators' lag alarm. `scheduled` is written out to match the partial index alerts_due_idx. */
export async function dueAlertBacklog(sql: Sql, now: Date): Promise<{ oldest: Date | null; waiting: number }> {
  const [row] = await sql<{ oldest: Date | null; waiting: number }[]>`
    select min(due_at) as oldest, count(*)::int as waiting from alerts where state = 'scheduled' and due_at <= ${now}`;
  return { oldest: row?.oldest ?? null, waiting: row?.waiting ?? 0 };
}
