/**
 * The service worker: shows each alert's push as a notification with an "I'm on it" action
 * that checks in through the alert's one-time link, and opens the alert page otherwise.
 * Kept dependency-free: it is built as one classic script at /app/sw.js.
 */
// A module, so that this declaration narrows `self` here instead of clashing with the lib's global.
export {};
declare const self: ServiceWorkerGlobalScope;

interface PushPayload {
  alert_id: string;
  title: string;
  starts_at: string;
  url: string;
  checkin_url?: string;
}

interface NotificationData {
  url: string;
  checkin_url?: string;
}

const CHECKIN_ACTION = 'checkin';

function startsIn(startsAt: string, now: number): string {
  const minutes = Math.round((new Date(startsAt).getTime() - now) / 60_000);
  if (minutes <= 0) return 'is starting now';
  return `starts in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

async function showAlert(payload: PushPayload): Promise<void> {
  const data: NotificationData = {
    url: payload.url,
    ...(payload.checkin_url === undefined ? {} : { checkin_url: payload.checkin_url }),
  };
  // `actions` is in the spec but missing from TypeScript's NotificationOptions.
  const options: NotificationOptions & { actions?: { action: string; title: string }[] } = {
    body: `${payload.title} ${startsIn(payload.starts_at, Date.now())}.`,
    tag: payload.alert_id,
    requireInteraction: true,
    data,
    ...(payload.checkin_url === undefined ? {} : { actions: [{ action: CHECKIN_ACTION, title: 'I’m on it' }] }),
  };
  await self.registration.showNotification(`Meeting: ${payload.title}`, options);
}

async function checkIn(notification: Notification, data: NotificationData): Promise<void> {
  if (data.checkin_url === undefined) return;
  const response = await fetch(data.checkin_url, { method: 'POST' });
  // A failed check-in must not look like success: the person may be called otherwise.
  if (!response.ok && response.status !== 409) {
    await self.registration.showNotification(`Check-in failed: ${notification.title}`, {
      body: 'Open the alert to acknowledge it.',
      data,
      tag: notification.tag,
    });
  }
}

async function openAlert(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const existing = windows.find((client) => client.url === url);
  if (existing !== undefined) {
    await existing.focus();
    return;
  }
  await self.clients.openWindow(url);
}

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let payload: PushPayload | undefined;
  try {
    payload = event.data?.json() as PushPayload | undefined;
  } catch {
    return;
  }
  if (typeof payload?.alert_id !== 'string' || typeof payload.title !== 'string') return;
  event.waitUntil(showAlert(payload));
});

self.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  const data = notification.data as NotificationData;
  notification.close();
  event.waitUntil(event.action === CHECKIN_ACTION ? checkIn(notification, data) : openAlert(data.url));
});
