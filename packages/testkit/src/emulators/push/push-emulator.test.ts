import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Agent } from 'node:https';
import webpush, { WebPushError, type RequestOptions } from 'web-push';
import { ANY } from '../http/scripted-responses.js';
import { PushEmulator } from './push-emulator.js';

let push: PushEmulator;
let agent: Agent;
const vapid = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };

beforeAll(async () => {
  push = await PushEmulator.start();
  agent = push.agent();
});
afterAll(async () => {
  agent.destroy();
  await push.close();
});

/** The real web-push send, trusting the emulator's CA through its `agent` option. */
function send(subscription: webpush.PushSubscription, payload: string, options: RequestOptions = {}) {
  return webpush.sendNotification(subscription, payload, { TTL: 60, vapidDetails, agent, ...options });
}

async function failure(sending: Promise<unknown>): Promise<WebPushError> {
  const error = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebPushError);
  return error as WebPushError;
}

describe('push emulator with the real web-push client', () => {
  it('decrypts a message and keeps it with its TTL, topic, urgency and VAPID subject', async () => {
    const subscription = push.subscribe(vapid.publicKey);
    const result = await send(
      subscription,
      JSON.stringify({ title: 'Standup', url: 'https://nudge.test/checkin/abc' }),
      {
        TTL: 300,
        topic: 'a1b2c3d4e5f6',
        urgency: 'high',
      },
    );
    expect(result.statusCode).toBe(201);
    expect(result.headers.location).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/message\//);

    const [message] = push.messagesFor(subscription.endpoint);
    expect(message?.json()).toEqual({ title: 'Standup', url: 'https://nudge.test/checkin/abc' });
    expect(message).toMatchObject({
      ttl: 300,
      topic: 'a1b2c3d4e5f6',
      urgency: 'high',
      vapid: { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey },
    });
  });

  it('decrypts a payload that fills most of the 4 KB limit', async () => {
    const subscription = push.subscribe();
    const text = 'x'.repeat(3900);
    await send(subscription, text);
    expect(push.messagesFor(subscription.endpoint)[0]?.text).toBe(text);
  });

  it('lets a test wait for a message instead of sleeping', async () => {
    const subscription = push.subscribe();
    const arrived = push.messages.first((m) => m.endpoint === subscription.endpoint, 2_000);
    void send(subscription, 'later');
    await expect(arrived).resolves.toMatchObject({ text: 'later' });
  });

  it('refuses a VAPID JWT not signed by the key it names', async () => {
    const other = webpush.generateVAPIDKeys();
    const subscription = push.subscribe();
    const error = await failure(
      send(subscription, 'x', { vapidDetails: { ...vapidDetails, privateKey: other.privateKey } }),
    );
    expect(error.statusCode).toBe(403);
    expect(error.body).toContain('signature');
    expect(push.messagesFor(subscription.endpoint)).toEqual([]);
  });

  it('refuses a key other than the one the device subscribed with', async () => {
    const other = webpush.generateVAPIDKeys();
    const subscription = push.subscribe(vapid.publicKey);
    const error = await failure(send(subscription, 'x', { vapidDetails: { ...vapidDetails, ...other } }));
    expect(error.statusCode).toBe(403);
  });

  it('refuses an expired JWT, a wrong audience and a missing Authorization header', async () => {
    const subscription = push.subscribe();
    const now = Math.floor(Date.now() / 1000);
    const expired = webpush.getVapidHeaders(
      push.url,
      vapidDetails.subject,
      vapid.publicKey,
      vapid.privateKey,
      'aes128gcm',
      now - 10,
    );
    const elsewhere = webpush.getVapidHeaders(
      'https://push.example.com',
      vapidDetails.subject,
      vapid.publicKey,
      vapid.privateKey,
      'aes128gcm',
    );
    const withHeaders = (headers: Record<string, string>) =>
      webpush.sendNotification(subscription, 'x', { TTL: 60, agent, headers });
    expect((await failure(withHeaders({ Authorization: expired.Authorization }))).body).toContain('expired');
    expect((await failure(withHeaders({ Authorization: elsewhere.Authorization }))).body).toContain('aud');
    expect((await failure(withHeaders({}))).statusCode).toBe(401);
  });

  it('answers scripted statuses per endpoint, with Retry-After on 429', async () => {
    const subscription = push.subscribe();
    const bystander = push.subscribe();
    for (const status of [404, 410, 413, 500]) push.script(subscription.endpoint, { status });
    push.script(subscription.endpoint, { status: 429, retryAfterSeconds: 30 });

    for (const status of [404, 410, 413, 500]) expect((await failure(send(subscription, 'x'))).statusCode).toBe(status);
    expect((await send(bystander, 'unaffected')).statusCode).toBe(201);
    const limited = await failure(send(subscription, 'x'));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect((await send(subscription, 'back')).statusCode).toBe(201);
    expect(push.messagesFor(subscription.endpoint).map((m) => m.text)).toEqual(['back']);
  });

  it('scripts every endpoint at once with ANY, and delays answers', async () => {
    const subscription = push.subscribe();
    push.script(ANY, { status: 503 });
    expect((await failure(send(subscription, 'x'))).statusCode).toBe(503);
    push.setLatency(subscription.endpoint, 120);
    const started = Date.now();
    await send(subscription, 'slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('answers 410 once a device unsubscribed, 404 for an unknown endpoint and 413 for a large body', async () => {
    const subscription = push.subscribe();
    push.unsubscribe(subscription.endpoint);
    expect((await failure(send(subscription, 'x'))).statusCode).toBe(410);
    const unknown = { ...push.subscribe(), endpoint: `${push.url}/push/unknown` };
    expect((await failure(send(unknown, 'x'))).statusCode).toBe(404);
    expect((await failure(send(push.subscribe(), 'x'.repeat(4100)))).statusCode).toBe(413);
  });

  it('is real TLS: a client that does not trust the emulator CA cannot connect', async () => {
    const subscription = push.subscribe();
    await expect(webpush.sendNotification(subscription, 'x', { TTL: 60, vapidDetails })).rejects.toThrow(/certificate/);
  });
});
