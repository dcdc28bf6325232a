import webpush from 'web-push';
import type { PushConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';

/** How long a signed VAPID header is valid (the spec allows at most 24 h). */
const VALIDITY_SECONDS = 12 * 3600;
/** A header is replaced this long before it expires, so none is sent about to lapse. */
const RENEW_BEFORE_SECONDS = 3600;

/**
 * Signs one VAPID Authorization header per push service origin and re-uses it while valid,
 * instead of an ECDSA signature per message.
 */
export class VapidHeaders {
  private readonly byAudience = new Map<string, { authorization: string; expiresAt: number }>();

  constructor(
    private readonly push: PushConfig,
    private readonly clock: Clock,
  ) {}

  for(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const cached = this.byAudience.get(audience);
    if (cached !== undefined && cached.expiresAt - RENEW_BEFORE_SECONDS > now) return cached.authorization;
    const expiresAt = now + VALIDITY_SECONDS;
    const { Authorization } = webpush.getVapidHeaders(
      audience,
      this.push.vapidSubject,
      this.push.vapidPublicKey,
      this.push.vapidPrivateKey,
      'aes128gcm',
      expiresAt,
    );
    this.byAudience.set(audience, { authorization: Authorization, expiresAt });
    return Authorization;
  }
}
