/**
 * The baseline for the dispatch benchmark: web-push sends with the given concurrency and
 * nothing else — no database, no claims. Reads {subscriptions, vapid, concurrency} as JSON on
 * stdin; prints {ms} when every send is done.
 */
import pLimit from 'p-limit';
import webpush from 'web-push';

interface Input {
  subscriptions: webpush.PushSubscription[];
  vapid: { subject: string; publicKey: string; privateKey: string };
  concurrency: number;
}

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = JSON.parse(raw) as Input;
// Signed once, as the dispatcher does.
const audience = new URL(input.subscriptions[0]!.endpoint).origin;
const { Authorization } = webpush.getVapidHeaders(
  audience,
  input.vapid.subject,
  input.vapid.publicKey,
  input.vapid.privateKey,
  'aes128gcm',
);
const limit = pLimit(input.concurrency);
const started = performance.now();
await Promise.all(
  input.subscriptions.map((subscription, i) =>
    limit(() =>
      webpush.sendNotification(
        subscription,
        JSON.stringify({ alert_id: String(i), title: 'Load meeting', starts_at: new Date().toISOString() }),
        {
          TTL: 600,
          urgency: 'high',
          headers: { Authorization },
        },
      ),
    ),
  ),
);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
