import { api } from '../api.js';
import type { VapidPublicKey } from '../types.js';

/** The service worker is served at /app/sw.js and controls only the app's pages. */
export const SERVICE_WORKER_URL = '/app/sw.js';
export const SERVICE_WORKER_SCOPE = '/app/';

export type PushSupport = 'supported' | 'no-service-worker' | 'no-push';

export function pushSupport(): PushSupport {
  if (!('serviceWorker' in navigator)) return 'no-service-worker';
  if (!('PushManager' in window) || !('Notification' in window)) return 'no-push';
  return 'supported';
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The browser's current subscription for this app, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration(SERVICE_WORKER_SCOPE);
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/**
 * Registers the service worker, asks for permission, subscribes with the api's VAPID key and
 * sends the subscription to the api. Re-running it is harmless: the api updates by endpoint.
 */
export async function enablePushOnThisDevice(): Promise<NotificationPermission> {
  const registration = await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: SERVICE_WORKER_SCOPE });
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission;
  const { public_key } = await api<VapidPublicKey>('/v1/push/vapid-public-key');
  await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made with another key (the server's keys were rotated) cannot receive our pushes.
  if (subscription !== null && !sameKey(subscription, public_key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await withinTime(
    registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) }),
    SUBSCRIBE_TIMEOUT_MS,
    'The browser’s push service did not answer. Check the network connection and try again.',
  );
  await api('/v1/push/subscriptions', { method: 'POST', body: subscription.toJSON() });
  return permission;
}

/** Subscribing waits on the browser vendor's push service, which may never answer (offline, blocked). */
const SUBSCRIBE_TIMEOUT_MS = 30_000;

function withinTime<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sameKey(subscription: PushSubscription, publicKey: string): boolean {
  const key = subscription.options.applicationServerKey;
  if (key === null) return false;
  const expected = keyBytes(publicKey);
  const actual = new Uint8Array(key);
  return actual.length === expected.length && actual.every((byte, i) => byte === expected[i]);
}
