import type { ClaimedDelivery } from '@nudge/alerts';

/** What the service worker on the device receives, decrypted. */
export interface PushPayload {
  alert_id: string;
  title: string;
  starts_at: string;
  /** Opens the alert in the web app. */
  url: string;
  /** One tap acknowledges (present when check-in links are enabled). */
  checkin_url?: string;
}

const MAX_TITLE = 200;

export function pushPayload(
  delivery: ClaimedDelivery,
  publicBaseUrl: string,
  checkinToken: string | undefined,
): string {
  const payload: PushPayload = {
    alert_id: delivery.alert_id,
    title: delivery.title.length > MAX_TITLE ? `${delivery.title.slice(0, MAX_TITLE - 1)}…` : delivery.title,
    starts_at: delivery.starts_at.toISOString(),
    url: `${publicBaseUrl}/app/alerts/${delivery.alert_id}`,
    ...(checkinToken === undefined ? {} : { checkin_url: `${publicBaseUrl}/checkin/${checkinToken}` }),
  };
  return JSON.stringify(payload);
}

/** The Topic header: the alert id without hyphens (32 URL-safe characters), so a newer push replaces an older one. */
export function pushTopic(alertId: string): string {
  return alertId.replaceAll('-', '');
}

/** A push is useless once the meeting started: it lives until then (at least 30 s). */
export function pushTtlSeconds(startsAt: Date, now: Date): number {
  return Math.max(30, Math.ceil((startsAt.getTime() - now.getTime()) / 1000));
}
