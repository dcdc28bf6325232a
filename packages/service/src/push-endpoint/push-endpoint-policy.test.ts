import type { LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConnectionCounter, ScriptedResolver } from '@nudge/testkit';
import { PushEndpointPolicy, PushEndpointRefusedError } from './push-endpoint-policy.js';

/** A GET through the agent the policy picks for `endpoint`: the error it fails with, or the status. */
function fetchThrough(policy: PushEndpointPolicy, endpoint: string): Promise<unknown> {
  const verdict = policy.checkForm(endpoint);
  if (!verdict.allowed) throw new Error(verdict.reason);
  return new Promise((resolve) => {
    const req = request(verdict.url, { agent: policy.agentFor(verdict), timeout: 500 }, (res) =>
      resolve(res.statusCode),
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', resolve);
    req.end();
  });
}

describe('push endpoint policy: the sending agents', () => {
  let listener: ConnectionCounter;
  const dns = new ScriptedResolver();

  beforeAll(async () => {
    listener = await ConnectionCounter.listen({
      host: `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`,
      port: 443,
    });
  });
  afterAll(async () => {
    await listener.close();
  });

  it('refuses to connect when a known push service name resolves inward, and never reaches the address', async () => {
    const policy = new PushEndpointPolicy({
      allowedHosts: [],
      resolve: dns.answer('inward.notify.windows.com', listener.host).resolve,
    });
    try {
      const error = await fetchThrough(policy, 'https://inward.notify.windows.com/w/');
      expect(error).toBeInstanceOf(PushEndpointRefusedError);
      expect((error as Error).message).toBe('endpoint host inward.notify.windows.com resolves to a loopback address');
      expect(listener.connections).toBe(0);
    } finally {
      policy.close();
    }
  });

  it('a name trusted on another port is still address-checked on 443', async () => {
    const host = 'trusted-elsewhere.notify.windows.com';
    const policy = new PushEndpointPolicy({
      allowedHosts: [{ host, port: 8443 }],
      resolve: dns.answer(host, listener.host).resolve,
    });
    try {
      expect(policy.checkForm(`https://${host}:8443/w/`)).toMatchObject({ allowed: true, trusted: true });
      expect(await fetchThrough(policy, `https://${host}/w/`)).toBeInstanceOf(PushEndpointRefusedError);
      expect(listener.connections).toBe(0);
    } finally {
      policy.close();
    }
  });

  it('a trusted host is connected to as configured: the listener above would have counted a connection', async () => {
    const policy = new PushEndpointPolicy({
      allowedHosts: [{ host: listener.host, port: undefined }],
      resolve: dns.resolve,
    });
    try {
      const before = listener.connections;
      expect(await fetchThrough(policy, `https://${listener.host}/w/`)).toEqual(
        expect.objectContaining({ message: 'timed out' }),
      );
      expect(listener.connections).toBe(before + 1);
    } finally {
      policy.close();
    }
  });

  it('hands net every checked address when asked for all (happy eyeballs), or one of the family asked for', async () => {
    const policy = new PushEndpointPolicy({
      allowedHosts: [],
      resolve: dns.answer('fcm.googleapis.com', '142.250.185.74', '2a00:1450:4001:82b::200a').resolve,
    });
    const lookup = (options: { all?: boolean; family?: number }) =>
      new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
        policy.lookup('fcm.googleapis.com', options, (error, address, family) =>
          resolve({ error, address, ...(family === undefined ? {} : { family }) }),
        ),
      );
    expect(await lookup({ all: true })).toEqual({
      error: null,
      address: [
        { address: '142.250.185.74', family: 4 },
        { address: '2a00:1450:4001:82b::200a', family: 6 },
      ],
    });
    expect(await lookup({ family: 6 })).toEqual({ error: null, address: '2a00:1450:4001:82b::200a', family: 6 });
    expect(await lookup({})).toEqual({ error: null, address: '142.250.185.74', family: 4 });
  });
});
