import type { BrowserContext, CDPSession } from 'playwright-core';
import type { PushSubscriptionJson } from '@nudge/testkit';
import type { Stack } from './stack.js';

/** ServiceWorker.deliverPushMessage: the push event a push service would cause, without one. */
export async function deliverPush(cdp: CDPSession, origin: string, data: string): Promise<void> {
  const registrationId = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${origin}/app/` && !r.isDeleted);
      if (ours !== undefined) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: await registrationId, data });
}

/**
 * Stands the push emulator in for the browser vendor's push service, which headless Debian
 * chromium cannot reach: `PushManager.subscribe` answers with the emulator's `device` (made with
 * the api's VAPID key), so the app's own code sends that subscription to the api. Everything
 * after — the worker encrypting and sending, the emulator decrypting — is real.
 */
export async function usePushService(context: BrowserContext, device: PushSubscriptionJson): Promise<void> {
  await context.addInitScript((json: PushSubscriptionJson) => {
    let current: PushSubscription | null = null;
    PushManager.prototype.getSubscription = function getSubscription() {
      return Promise.resolve(current);
    };
    PushManager.prototype.subscribe = function subscribe(options?: PushSubscriptionOptionsInit) {
      const key = options?.applicationServerKey;
      const keyBuffer =
        key instanceof ArrayBuffer
          ? key
          : key === undefined || key === null || typeof key === 'string'
            ? null
            : key.buffer;
      const subscription = {
        endpoint: json.endpoint,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: keyBuffer },
        toJSON: () => json,
        unsubscribe: () => {
          current = null;
          return Promise.resolve(true);
        },
      };
      current = subscription as unknown as PushSubscription;
      return Promise.resolve(current);
    };
  }, device);
}

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
}

/**
 * The notifications the service worker shows, read in the service worker itself, polled until
 * one tagged `tag` is there (Chromium's store answers empty while the push is still handled).
 */
export async function waitForNotification(
  context: BrowserContext,
  tag: string,
  timeoutMs = 10_000,
): Promise<ShownNotification> {
  const read = async (): Promise<ShownNotification | undefined> => {
    const [serviceWorker] = context.serviceWorkers();
    if (serviceWorker === undefined) return undefined;
    const shown = await serviceWorker.evaluate(async () => {
      const registration = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
      return (await registration.getNotifications()).map(({ title, body, tag }) => ({ title, body, tag }));
    });
    return shown.find((n) => n.tag === tag);
  };
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const shown = await read();
    if (shown !== undefined) return shown;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no notification tagged ${tag} within ${timeoutMs} ms`);
}

/** A device at the stack's push service, subscribed with the VAPID key the api hands out. */
export async function subscribedDevice(stack: Stack): Promise<PushSubscriptionJson> {
  const response = await fetch(`${stack.base}/v1/push/vapid-public-key`, {
    headers: { authorization: `Bearer ${stack.token}` },
  });
  const key = (await response.json()) as { public_key: string };
  return stack.push!.subscribe(key.public_key);
}
