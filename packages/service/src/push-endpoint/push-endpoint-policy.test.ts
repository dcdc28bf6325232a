import type { LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listenOnPort443, ScriptedResolver, type ConnectionCounter } from '@nudge/testkit';
import {
  PushEndpointPolicy,
  PushEndpointRefusedError,
  type PushEndpointPolicyOptions,
} from './push-endpoint-policy.js';

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

/** `use` with a policy made of `options`, closed after it (its agents keep connections alive). */
async function withPolicy(
  options: PushEndpointPolicyOptions,
  use: (policy: PushEndpointPolicy) => Promise<void>,
): Promise<void> {
  const policy = new PushEndpointPolicy(options);
  try {
    await use(policy);
  } finally {
    policy.close();
  }
}

describe('push endpoint policy: the sending agents', () => {
  let listener: ConnectionCounter;
  const dns = new ScriptedResolver();

  beforeAll(async () => {
    listener = await listenOnPort443();
  });
  afterAll(async () => {
    await listener.close();
  });

  it('refuses to connect when a known push service name resolves inward, and never reaches the address', async () => {
    await withPolicy(
      { allowedHosts: [], resolve: dns.answer('inward.notify.windows.com', listener.host).resolve },
      async (policy) => {
        const error = await fetchThrough(policy, 'https://inward.notify.windows.com/w/');
        expect(error).toBeInstanceOf(PushEndpointRefusedError);
        expect((error as Error).message).toBe('endpoint host inward.notify.windows.com resolves to a loopback address');
        expect(listener.connections).toBe(0);
      },
    );
  });

  it('a name trusted on another port is still address-checked on 443', async () => {
    const host = 'trusted-elsewhere.notify.windows.com';
    await withPolicy(
      { allowedHosts: [{ host, port: 8443 }], resolve: dns.answer(host, listener.host).resolve },
      async (policy) => {
        expect(policy.checkForm(`https://${host}:8443/w/`)).toMatchObject({ allowed: true, trusted: true });
        expect(await fetchThrough(policy, `https://${host}/w/`)).toBeInstanceOf(PushEndpointRefusedError);
        expect(listener.connections).toBe(0);
      },
    );
  });

  it('a trusted host is connected to as configured: the listener above would have counted a connection', async () => {
    await withPolicy(
      { allowedHosts: [{ host: listener.host, port: undefined }], resolve: dns.resolve },
      async (policy) => {
        const before = listener.connections;
        expect(await fetchThrough(policy, `https://${listener.host}/w/`)).toEqual(
          expect.objectContaining({ message: 'timed out' }),
        );
        expect(listener.connections).toBe(before + 1);
      },
    );
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
