import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScriptedResolver } from '@nudge/testkit';
import { createUser } from '../../orgs/create-user.js';
import { newOrg, useApiTestBed } from '../../testing/api-under-test.js';

function browserSubscription(endpoint = `https://fcm.googleapis.com/fcm/send/${randomBytes(8).toString('hex')}`) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint,
    expirationTime: null,
    keys: { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

type Subscription = ReturnType<typeof browserSubscription>;

describe('push subscriptions', () => {
  // FCM as the public internet answers for it; the endpoint policy has its own tests.
  const dns = new ScriptedResolver().answer('fcm.googleapis.com', '142.250.185.74', '2a00:1450:4001:82b::200a');
  const bed = useApiTestBed({ resolvePushHost: dns.resolve });

  it('serves the VAPID public key browsers subscribe with', async () => {
    const response = await bed.api.request('/v1/push/vapid-public-key');
    expect(response.status).toBe(200);
    const key = response.json<{ public_key: string }>().public_key;
    expect(Buffer.from(key, 'base64url')).toHaveLength(65);
  });

  it('accepts a browser PushSubscription, and re-subscribing the same endpoint with renewed keys updates it, with the same 201', async () => {
    const { token, userId } = await newOrg(bed.db);
    const subscription = browserSubscription();
    const first = await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: subscription,
      headers: { 'user-agent': 'Firefox/140' },
    });
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({ endpoint: subscription.endpoint, is_active: true, user_agent: 'Firefox/140' });

    const renewed = { ...browserSubscription(subscription.endpoint) };
    const second = await bed.api.request('/v1/push/subscriptions', { method: 'POST', token, body: renewed });
    expect(second.status).toBe(201);
    expect(second.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
    const rows = await bed.db
      .sql`select user_id, p256dh, auth from push_subscriptions where endpoint = ${subscription.endpoint}`;
    expect(rows).toEqual([{ user_id: userId, p256dh: renewed.keys.p256dh, auth: renewed.keys.auth }]);
  });

  it('registering the same endpoint and keys again is idempotent and answers exactly like the first time', async () => {
    const { token, userId } = await newOrg(bed.db);
    const subscription = browserSubscription();
    const first = await post(token, subscription);
    const again = await post(token, subscription);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.json()).toEqual(first.json());
    expect(await ownerOf(subscription.endpoint)).toEqual({
      user_id: userId,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
      is_active: true,
    });
  });

  it('re-registering a subscription its owner removed reactivates it', async () => {
    const { token } = await newOrg(bed.db);
    const subscription = browserSubscription();
    const id = (await post(token, subscription)).json<{ id: string }>().id;
    expect((await bed.api.request(`/v1/push/subscriptions/${id}`, { method: 'DELETE', token })).status).toBe(204);
    const again = await post(token, subscription);
    expect(again.status).toBe(201);
    expect(again.json()).toMatchObject({ id, is_active: true, deactivated_at: null, deactivation_reason: null });
  });

  /** Where the other user of `adaAndOther` is, for the tests that run with each. */
  const OTHER_USERS = [
    ['in another organisation', false],
    ['in the same organisation', true],
  ] as const;

  /** Ada registered a device; the other user is in another organisation or in Ada's. */
  async function adaAndOther(sameOrg: boolean) {
    const ada = await newOrg(bed.db);
    const other = sameOrg
      ? await createUser(bed.db.sql, {
          orgId: ada.orgId,
          email: `bob-${randomBytes(4).toString('hex')}@example.test`,
          name: 'Bob',
          phoneE164: null,
          timezone: 'UTC',
          role: 'member',
        }).then(({ user, token }) => ({ token, userId: user.id }))
      : await newOrg(bed.db);
    const device = browserSubscription();
    const registered = await post(ada.token, device);
    expect(registered.status).toBe(201);
    return { ada, other, device, adaRowId: registered.json<{ id: string }>().id };
  }

  it.each(OTHER_USERS)(
    'another user %s cannot take a device over with other keys: answered like a registration, the row stays with its owner',
    async (_where, sameOrg) => {
      const { ada, other, device, adaRowId } = await adaAndOther(sameOrg);
      const hijack = browserSubscription(device.endpoint);
      const refused = await post(other.token, hijack, 'Evil/1.0');
      // Compared with what the same caller gets for an endpoint nobody has registered.
      const fresh = await post(other.token, browserSubscription(), 'Evil/1.0');
      expect(refused.status).toBe(fresh.status);
      expect(Object.keys(refused.json()).sort()).toEqual(Object.keys(fresh.json()).sort());
      expect(refused.json()).toMatchObject({
        endpoint: device.endpoint,
        user_agent: 'Evil/1.0',
        is_active: true,
        last_success_at: null,
        deactivated_at: null,
        deactivation_reason: null,
      });
      expect(refused.json<{ id: string }>().id).not.toBe(adaRowId);

      expect(await ownerOf(device.endpoint)).toEqual({
        user_id: ada.userId,
        p256dh: device.keys.p256dh,
        auth: device.keys.auth,
        is_active: true,
      });
      expect(await endpointsOf(ada.token)).toContain(device.endpoint);
      expect(await endpointsOf(other.token)).not.toContain(device.endpoint);
      expect(bed.api.logLines).toContainEqual(
        expect.objectContaining({ event: 'push.subscription.claim_refused', user_id: other.userId, level: 'info' }),
      );
    },
  );

  it('a removed subscription cannot be taken over with other keys either', async () => {
    const { ada, other, device, adaRowId } = await adaAndOther(false);
    expect(
      (await bed.api.request(`/v1/push/subscriptions/${adaRowId}`, { method: 'DELETE', token: ada.token })).status,
    ).toBe(204);
    expect((await post(other.token, browserSubscription(device.endpoint))).status).toBe(201);
    expect(await ownerOf(device.endpoint)).toEqual({
      user_id: ada.userId,
      p256dh: device.keys.p256dh,
      auth: device.keys.auth,
      is_active: false,
    });
  });

  it.each(OTHER_USERS)(
    'another user %s with exactly the same keys (a shared browser after a sign-out) moves the device to themselves',
    async (_where, sameOrg) => {
      const { ada, other, device, adaRowId } = await adaAndOther(sameOrg);
      const moved = await post(other.token, device);
      expect(moved.status).toBe(201);
      expect(moved.json<{ id: string }>().id).toBe(adaRowId);
      expect(await ownerOf(device.endpoint)).toEqual({
        user_id: other.userId,
        p256dh: device.keys.p256dh,
        auth: device.keys.auth,
        is_active: true,
      });
      expect(await endpointsOf(ada.token)).not.toContain(device.endpoint);
      expect(await endpointsOf(other.token)).toContain(device.endpoint);
    },
  );

  it('the same keys written with base64 padding are the same keys', async () => {
    const { other, device, adaRowId } = await adaAndOther(false);
    const padded = { ...device, keys: { p256dh: `${device.keys.p256dh}=`, auth: `${device.keys.auth}==` } };
    const moved = await post(other.token, padded);
    expect(moved.json<{ id: string }>().id).toBe(adaRowId);
    expect(await ownerOf(device.endpoint)).toMatchObject({
      user_id: other.userId,
      p256dh: device.keys.p256dh,
      auth: device.keys.auth,
    });
  });

  it('another spelling of a registered endpoint is the same endpoint', async () => {
    const { ada, other, device } = await adaAndOther(false);
    const respelled = browserSubscription(
      device.endpoint.replace('https://fcm.googleapis.com/', 'https://FCM.googleapis.com:443/'),
    );
    const answer = await post(other.token, respelled);
    expect(answer.json<{ endpoint: string }>().endpoint).toBe(device.endpoint);
    expect(
      await bed.db
        .sql`select user_id from push_subscriptions where endpoint ilike ${'%' + device.endpoint.split('/').at(-1)!}`,
    ).toEqual([{ user_id: ada.userId }]);
  });

  it.each([
    [
      'an http endpoint',
      (s: Subscription) => ({ ...s, endpoint: 'http://push.example.test/x' }),
      'endpoint must be an https URL',
    ],
    [
      'an endpoint that is no URL',
      (s: Subscription) => ({ ...s, endpoint: 'push service' }),
      'endpoint must be an absolute https URL',
    ],
    [
      'a p256dh of the wrong length',
      (s: Subscription) => ({ ...s, keys: { ...s.keys, p256dh: randomBytes(33).toString('base64url') } }),
      'keys.p256dh must be a 65-byte uncompressed P-256 point',
    ],
    [
      'a p256dh off the curve',
      (s: Subscription) => ({
        ...s,
        keys: { ...s.keys, p256dh: Buffer.concat([Buffer.from([4]), randomBytes(64)]).toString('base64url') },
      }),
      'keys.p256dh is not a point on the P-256 curve',
    ],
    [
      'an auth secret of the wrong length',
      (s: Subscription) => ({ ...s, keys: { ...s.keys, auth: randomBytes(8).toString('base64url') } }),
      'keys.auth must be 16 bytes',
    ],
    [
      'keys in standard base64',
      (s: Subscription) => ({ ...s, keys: { ...s.keys, auth: 'ab+/cdefghijklmnopqrstuv' } }),
      'keys.auth must be 16 bytes',
    ],
    ['no keys at all', (s: Subscription) => ({ endpoint: s.endpoint }), "must have required property 'keys'"],
  ])('rejects %s with a 400 that says which', async (_name, mutate, message) => {
    const { token } = await newOrg(bed.db);
    const response = await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: mutate(browserSubscription()),
    });
    expect(response.status).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toContain(message);
  });

  it('keeps at most 10 active subscriptions per user: the 11th replaces the oldest, with the reason', async () => {
    const { token, userId } = await newOrg(bed.db);
    const other = await newOrg(bed.db);
    await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token: other.token,
      body: browserSubscription(),
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const created = await bed.api.request('/v1/push/subscriptions', {
        method: 'POST',
        token,
        body: browserSubscription(),
      });
      expect(created.status).toBe(201);
      ids.push(created.json<{ id: string }>().id);
    }
    const eleventh = await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: browserSubscription(),
    });
    expect(eleventh.status).toBe(201);

    const listed = (await bed.api.request('/v1/push/subscriptions', { token })).json<
      { id: string; is_active: boolean; deactivation_reason: string | null }[]
    >();
    expect(listed.filter((s) => s.is_active).map((s) => s.id)).toEqual([
      ...ids.slice(1),
      eleventh.json<{ id: string }>().id,
    ]);
    expect(listed.find((s) => s.id === ids[0])).toMatchObject({
      is_active: false,
      deactivation_reason: 'replaced by a newer subscription (at most 10 per user)',
    });
    expect(bed.api.logLines.filter((l) => l.event === 'push.subscription.replaced')).toContainEqual(
      expect.objectContaining({ level: 'info', user_id: userId, subscription_ids: [ids[0]] }),
    );
    // Another user's subscription is not counted, nor touched.
    const [theirs] = await bed.db
      .sql`select count(*)::int as active from push_subscriptions where user_id = ${other.userId} and is_active`;
    expect(theirs?.active).toBe(1);
  });

  it('re-subscribing an endpoint that was replaced brings it back and replaces the then oldest instead', async () => {
    const { token } = await newOrg(bed.db);
    const first = browserSubscription();
    const firstId = (await bed.api.request('/v1/push/subscriptions', { method: 'POST', token, body: first })).json<{
      id: string;
    }>().id;
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1)
      ids.push(
        (await bed.api.request('/v1/push/subscriptions', { method: 'POST', token, body: browserSubscription() })).json<{
          id: string;
        }>().id,
      );
    const again = await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: browserSubscription(first.endpoint),
    });
    expect(again.status).toBe(201); // the same status as a new registration: nothing tells that it existed
    expect(again.json()).toMatchObject({ id: firstId, is_active: true, deactivation_reason: null });
    const active = await bed.db.sql<
      { id: string }[]
    >`select id from push_subscriptions where id in ${bed.db.sql([firstId, ...ids])} and is_active`;
    expect(new Set(active.map((r) => r.id))).toEqual(new Set([firstId, ...ids.slice(1)]));
  });

  it('concurrent registrations of one user never leave more than 10 subscriptions active', async () => {
    const { token, userId } = await newOrg(bed.db);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        bed.api.request('/v1/push/subscriptions', { method: 'POST', token, body: browserSubscription() }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 30 }, () => 201));
    const [counts] = await bed.db.sql`
      select count(*) filter (where is_active)::int as active, count(*)::int as total from push_subscriptions where user_id = ${userId}`;
    expect(counts).toEqual({ active: 10, total: 30 });
  });

  it('lets a user remove only their own subscription', async () => {
    const ada = await newOrg(bed.db);
    const bob = await newOrg(bed.db);
    const created = await bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token: ada.token,
      body: browserSubscription(),
    });
    const id = created.json<{ id: string }>().id;
    expect((await bed.api.request(`/v1/push/subscriptions/${id}`, { method: 'DELETE', token: bob.token })).status).toBe(
      404,
    );
    expect((await bed.api.request(`/v1/push/subscriptions/${id}`, { method: 'DELETE', token: ada.token })).status).toBe(
      204,
    );
    const [row] = await bed.db.sql`select is_active, deactivation_reason from push_subscriptions where id = ${id}`;
    expect(row).toEqual({ is_active: false, deactivation_reason: 'removed by the user' });
    expect(
      (await bed.api.request('/v1/push/subscriptions/not-a-uuid', { method: 'DELETE', token: ada.token })).status,
    ).toBe(400);
  });

  function post(token: string, subscription: Subscription | Record<string, unknown>, userAgent = 'Chrome/140') {
    return bed.api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: subscription,
      headers: { 'user-agent': userAgent },
    });
  }

  async function ownerOf(endpoint: string) {
    const [row] = await bed.db
      .sql`select user_id, p256dh, auth, is_active from push_subscriptions where endpoint = ${endpoint}`;
    return row;
  }

  async function endpointsOf(token: string): Promise<string[]> {
    return (await bed.api.request('/v1/push/subscriptions', { token }))
      .json<{ endpoint: string }[]>()
      .map((s) => s.endpoint);
  }
});
