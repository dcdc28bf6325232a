import { createECDH, randomBytes } from 'node:crypto';
import type { ReceiverKeys } from './aes128gcm.js';

/** A browser `PushSubscription` as `JSON.stringify(subscription)` gives it. */
export interface PushSubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface FakeSubscription {
  id: string;
  json: PushSubscriptionJson;
  keys: ReceiverKeys;
  /** The VAPID key the "browser" subscribed with; other keys are refused, as by real services. */
  applicationServerKey: string | undefined;
  /** Unsubscribed devices answer 410 Gone from then on. */
  active: boolean;
}

/** The devices of the push emulator, each with the private keys a browser would keep. */
export class FakeSubscriptions {
  private readonly byId = new Map<string, FakeSubscription>();

  create(baseUrl: string, applicationServerKey?: string): FakeSubscription {
    const id = randomBytes(16).toString('base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    const subscription: FakeSubscription = {
      id,
      json: {
        endpoint: `${baseUrl}/push/${id}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey('base64url'), auth: authSecret.toString('base64url') },
      },
      keys: { ecdh, authSecret },
      applicationServerKey,
      active: true,
    };
    this.byId.set(id, subscription);
    return subscription;
  }

  get(id: string): FakeSubscription | undefined {
    return this.byId.get(id);
  }

  byEndpoint(endpoint: string): FakeSubscription | undefined {
    return this.byId.get(endpoint.slice(endpoint.lastIndexOf('/') + 1));
  }
}
