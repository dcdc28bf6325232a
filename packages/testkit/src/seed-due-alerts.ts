import type { Sql } from '@nudge/db';
import type { PushEmulator } from './emulators/push/push-emulator.js';

/**
 * `count` users, each with one device subscribed at the push emulator and one meeting whose
 * alert is due now: the load for dispatcher tests and benchmarks. Returns the alert ids.
 */
export async function seedDueAlerts(
  sql: Sql,
  push: PushEmulator,
  options: { count: number; vapidPublicKey: string; dueAt?: Date },
): Promise<string[]> {
  const devices = Array.from({ length: options.count }, () => push.subscribe(options.vapidPublicKey));
  const dueAt = options.dueAt ?? new Date();
  const [org] = await sql<{ id: string }[]>`insert into organizations (name) values ('Load') returning id`;
  const rows = await sql<{ id: string }[]>`
    with input as (
      select t.n, t.e->>'endpoint' as endpoint, t.e->'keys'->>'p256dh' as p256dh, t.e->'keys'->>'auth' as auth
      from jsonb_array_elements(${sql.json(devices as never)}) with ordinality as t(e, n)
    ), users_in as (
      insert into users (org_id, email, name, timezone)
      select ${org!.id}, 'load-' || n || '-' || gen_random_uuid() || '@example.test', 'Load ' || n, 'UTC' from input
      returning id, email
    ), numbered as (
      -- The email carries the input's position, so each user meets its own device.
      select id, split_part(email, '-', 2)::bigint as n from users_in
    ), subs as (
      insert into push_subscriptions (user_id, endpoint, p256dh, auth)
      select u.id, i.endpoint, i.p256dh, i.auth from numbered u join input i using (n)
    ), rules as (
      insert into alert_rules (user_id) select id from numbered returning id, user_id
    ), meetings_in as (
      insert into meetings (user_id, external_id, title, starts_at, ends_at, self_response, attendee_count)
      select id, 'load-' || n, 'Load meeting ' || n, ${dueAt}::timestamptz + interval '10 minutes', ${dueAt}::timestamptz + interval '40 minutes', 'accepted', 2
      from numbered
      returning id, user_id
    )
    insert into alerts (user_id, meeting_id, rule_id, due_at)
    select m.user_id, m.id, r.id, ${dueAt} from meetings_in m join rules r using (user_id)
    returning id`;
  return rows.map((row) => row.id);
}
