import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConnectionCounter, createTestDatabase, ScriptedResolver, type TestDatabase } from '@nudge/testkit';
import { newOrg, startApi, type ApiUnderTest } from '../../testing/api-under-test.js';

function keys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
}

/**
 * Known push service names that an attacker-controlled resolver (or a poisoned cache) points
 * inward: the name's first label, what it stands for, the address it resolves to, and what the
 * refusal calls that address.
 */
const INWARD_NAMES: [label: string, what: string, address: string, reason: string][] = [
  ['loopback', 'loopback', '127.0.0.1', 'a loopback address'],
  ['loopback6', 'IPv6 loopback', '::1', 'a loopback address'],
  ['private', '10/8', '10.1.2.3', 'a private address'],
  ['private172', '172.16/12', '172.16.5.4', 'a private address'],
  ['private192', '192.168/16', '192.168.0.10', 'a private address'],
  ['metadata', 'cloud metadata', '169.254.169.254', 'a link local address'],
  ['cgnat', 'carrier-grade NAT', '100.100.100.200', 'a carrier grade nat address'],
  ['multicast', 'multicast', '224.0.0.251', 'a multicast address'],
  ['unspecified', '0.0.0.0', '0.0.0.0', 'a unspecified address'],
  ['broadcast', 'broadcast', '255.255.255.255', 'a broadcast address'],
  ['reserved', '240/4', '240.0.0.1', 'a reserved address'],
  ['mapped', 'IPv4-mapped loopback', '::ffff:127.0.0.1', 'a ipv4 mapped loopback address'],
  ['translated', 'an IPv4-translated private address', '::ffff:0:a01:203', 'a rfc6145 private address'],
  ['nat64-loopback', 'NAT64 loopback', '64:ff9b::7f00:1', 'a rfc6052 loopback address'],
  ['nat64-local', 'the local-use NAT64 prefix', '64:ff9b:1::808:808', 'a rfc6052 address'],
  ['ula', 'a unique local IPv6 address', 'fd00:ec2::254', 'a unique local address'],
  ['linklocal6', 'IPv6 link-local', 'fe80::1', 'a link local address'],
  ['compatible', 'an IPv4-compatible IPv6 address', '::7f00:1', 'a reserved address'],
  ['sixtofour', '6to4', '2002:7f00:1::1', 'a 6to4 address'],
];

/**
 * The push endpoint policy at the HTTP API. A TCP listener on loopback stands where the
 * forbidden endpoints point; its port is the one PUSH_ENDPOINT_ALLOWED_HOSTS trusts as
 * `127.0.0.1:PORT`, so every other spelling of that address is tried against it.
 */
describe('push endpoint policy at registration', () => {
  let db: TestDatabase;
  let api: ApiUnderTest;
  let listener: ConnectionCounter;
  let token: string;
  let port: number;
  const dns = new ScriptedResolver()
    .answer('fcm.googleapis.com', '142.250.185.74', '2a00:1450:4001:82b::200a')
    .answer('updates.push.services.mozilla.com', '34.107.221.82')
    .answer('web.push.apple.com', '17.188.182.201')
    .answer('wns2-par02p.notify.windows.com', '20.199.120.182')
    .answer('nat64.notify.windows.com', '64:ff9b::808:808')
    .answer('mixed.notify.windows.com', '20.199.120.182', '10.0.0.1');
  for (const [label, , address] of INWARD_NAMES) dns.answer(`${label}.notify.windows.com`, address);

  beforeAll(async () => {
    listener = await ConnectionCounter.listen();
    port = listener.port;
    db = await createTestDatabase();
    api = await startApi(db, {
      env: { PUSH_ENDPOINT_ALLOWED_HOSTS: `127.0.0.1:${port}` },
      resolvePushHost: dns.resolve,
    });
    token = (await newOrg(db)).token;
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
    await listener.close();
  });

  const register = (endpoint: string) =>
    api.request('/v1/push/subscriptions', {
      method: 'POST',
      token,
      body: { endpoint, expirationTime: null, keys: keys() },
    });
  const id = () => randomBytes(8).toString('hex');
  const rowCount = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from push_subscriptions`)[0]!.n;

  it.each([
    // Real endpoints of the push services browsers use.
    ['FCM (Chrome, Edge, Opera, Brave)', () => `https://fcm.googleapis.com/fcm/send/${id()}:APA91b`],
    ['Mozilla autopush (Firefox)', () => `https://updates.push.services.mozilla.com/wpush/v2/${id()}`],
    ['Apple Web Push (Safari)', () => `https://web.push.apple.com/QG${id()}`],
    ['WNS (Windows)', () => `https://wns2-par02p.notify.windows.com/w/?token=${id()}`],
    [
      'a known service reached through NAT64 to a public address',
      () => `https://nat64.notify.windows.com/w/?token=${id()}`,
    ],
    ['a known service with the https port written out', () => `https://fcm.googleapis.com:443/fcm/send/${id()}`],
    [
      'the spelling PUSH_ENDPOINT_ALLOWED_HOSTS trusts, exactly as written',
      () => `https://127.0.0.1:${port}/push/${id()}`,
    ],
  ])('accepts %s', async (_name, endpoint) => {
    const response = await register(endpoint());
    expect(response.status).toBe(201);
  });

  it.each([
    // Not https.
    ['http', () => `http://fcm.googleapis.com/fcm/send/${id()}`, 'must be an https URL'],
    ['http with a decimal address', () => 'http://2130706433/', 'must be an https URL'],
    ['a relative URL', () => '/fcm/send/x', 'absolute https URL'],
    // IP literals in every notation a URL parser accepts.
    ['dotted loopback', () => 'https://127.0.0.1/x', 'not an IP address'],
    ['decimal loopback', () => 'https://2130706433/x', 'not an IP address'],
    ['hex loopback', () => 'https://0x7f000001/x', 'not an IP address'],
    ['octal loopback', () => 'https://0177.0.0.1/x', 'not an IP address'],
    ['short loopback', () => 'https://127.1/x', 'not an IP address'],
    ['percent-encoded loopback', () => 'https://%31%32%37.0.0.1/x', 'not an IP address'],
    ['IPv6 loopback', () => 'https://[::1]/x', 'not an IP address'],
    ['IPv6 loopback written out', () => 'https://[0:0:0:0:0:0:0:1]/x', 'not an IP address'],
    ['IPv4-mapped loopback', () => 'https://[::ffff:127.0.0.1]/x', 'not an IP address'],
    ['IPv4-mapped loopback in hex', () => 'https://[::ffff:7f00:1]/x', 'not an IP address'],
    ['NAT64 loopback', () => 'https://[64:ff9b::7f00:1]/x', 'not an IP address'],
    ['NAT64 loopback, dotted', () => 'https://[64:ff9b::127.0.0.1]/x', 'not an IP address'],
    ['the unspecified address', () => 'https://0.0.0.0/x', 'not an IP address'],
    ['the unspecified address, short', () => 'https://0/x', 'not an IP address'],
    ['IPv6 unspecified', () => 'https://[::]/x', 'not an IP address'],
    ['a private address', () => 'https://10.0.0.1/x', 'not an IP address'],
    ['a private address, 172.16/12', () => 'https://172.16.0.1/x', 'not an IP address'],
    ['a private address, 192.168/16', () => 'https://192.168.1.1/x', 'not an IP address'],
    ['cloud metadata', () => 'https://169.254.169.254/latest/meta-data/', 'not an IP address'],
    ['cloud metadata, decimal', () => 'https://2852039166/latest/meta-data/', 'not an IP address'],
    ['cloud metadata over IPv6 (AWS)', () => 'https://[fd00:ec2::254]/latest/meta-data/', 'not an IP address'],
    ['IPv6 link-local', () => 'https://[fe80::1]/x', 'not an IP address'],
    ['carrier-grade NAT (Alibaba metadata)', () => 'https://100.100.100.200/latest/meta-data/', 'not an IP address'],
    ['multicast', () => 'https://224.0.0.1/x', 'not an IP address'],
    ['IPv6 multicast', () => 'https://[ff02::1]/x', 'not an IP address'],
    ['a public address', () => 'https://142.250.185.74/fcm/send/x', 'not an IP address'],
    // Names that are not push services.
    ['localhost', () => 'https://localhost/x', 'not a known push service'],
    ['localhost with a trailing dot', () => 'https://localhost./x', 'not a known push service'],
    ['localhost in mixed case', () => 'https://LocalHost/x', 'not a known push service'],
    [
      'a known service with a trailing dot',
      () => `https://fcm.googleapis.com./fcm/send/${id()}`,
      'not a known push service',
    ],
    [
      'a known service as a prefix of another name',
      () => 'https://fcm.googleapis.com.evil.example/x',
      'not a known push service',
    ],
    ['a name ending like a known service', () => 'https://evilfcm.googleapis.com/x', 'not a known push service'],
    ['the bare domain of a wildcard service', () => 'https://push.apple.com/x', 'not a known push service'],
    ['GCP metadata', () => 'https://metadata.google.internal/computeMetadata/v1/', 'not a known push service'],
    [
      'GCP metadata in upper case',
      () => 'https://METADATA.GOOGLE.INTERNAL/computeMetadata/v1/',
      'not a known push service',
    ],
    ['any other host', () => 'https://push.example.com/x', 'not a known push service'],
    // User-info, and spellings that parsers read differently.
    ['user-info before a host', () => 'https://fcm.googleapis.com@evil.example/x', 'user information'],
    ['user-info before a known service', () => 'https://user:secret@fcm.googleapis.com/fcm/send/x', 'user information'],
    ['user-info before the trusted spelling', () => `https://x@127.0.0.1:${port}/x`, 'user information'],
    [
      'a backslash in the authority',
      () => 'https://evil.example\\@fcm.googleapis.com/x',
      'written as https://host/path',
    ],
    ['no slashes after the scheme', () => 'https:fcm.googleapis.com/fcm/send/x', 'written as https://host/path'],
    ['a tab inside', () => 'https://fcm.google\tapis.com/x', 'written as https://host/path'],
    // Ports.
    ['a known service on another port', () => 'https://fcm.googleapis.com:8443/fcm/send/x', 'port (443)'],
    ['a known service on port 80', () => 'https://fcm.googleapis.com:80/fcm/send/x', 'port (443)'],
    // Every other spelling of the trusted 127.0.0.1:PORT.
    ['the trusted address on another port', () => `https://127.0.0.1:${port + 1}/x`, 'port (443)'],
    ['the trusted address without its port', () => 'https://127.0.0.1/x', 'not an IP address'],
    ['the trusted address and port in decimal', () => `https://2130706433:${port}/x`, 'port (443)'],
    ['the trusted address and port, short', () => `https://127.1:${port}/x`, 'port (443)'],
    ['the trusted address and port, IPv4-mapped', () => `https://[::ffff:127.0.0.1]:${port}/x`, 'port (443)'],
    ['the trusted port on localhost', () => `https://localhost:${port}/x`, 'port (443)'],
    ['the trusted port with a leading zero', () => `https://127.0.0.1:0${port}/x`, 'port (443)'],
    // Known service names that resolve inward.
    ...INWARD_NAMES.map(([label, what, , reason]): [string, () => string, string] => [
      `a known service resolving to ${what}`,
      () => `https://${label}.notify.windows.com/w/`,
      `resolves to ${reason}`,
    ]),
    [
      'a known service with one public and one private address',
      () => 'https://mixed.notify.windows.com/w/',
      'resolves to a private address',
    ],
    [
      'a known service name that does not resolve',
      () => 'https://nowhere.notify.windows.com/w/',
      'could not be resolved',
    ],
  ])('refuses %s with a 400 that says why, and nothing is contacted', async (_name, endpoint, reason) => {
    const before = listener.connections;
    const rowsBefore = await rowCount();
    const response = await register(endpoint());
    expect(response.status).toBe(400);
    const { error } = response.json<{ error: { code: string; message: string; details: { path: string }[] } }>();
    expect(error.code).toBe('push_endpoint_refused');
    expect(error.message).toContain(reason);
    expect(error.details).toEqual([expect.objectContaining({ path: 'body/endpoint' })]);
    expect(listener.connections).toBe(before);
    expect(await rowCount()).toBe(rowsBefore);
  });

  it('stores the endpoint as the URL standard writes it', async () => {
    const token = id();
    const response = await register(`https://FCM.googleapis.com:443/fcm/send/${token}`);
    expect(response.json<{ endpoint: string }>().endpoint).toBe(`https://fcm.googleapis.com/fcm/send/${token}`);
  });

  it('never connected to the listener on loopback', () => {
    expect(listener.connections).toBe(0);
  });
});
