import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulators, type LocalEmulators } from './start-emulators.js';

let dir: string;
let emulators: LocalEmulators;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nudge-emulators-'));
  emulators = await startEmulators({ caFile: join(dir, 'ca.pem') });
});
afterAll(async () => {
  await emulators.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startEmulators', () => {
  it('starts all three and gives the environment that points the roles at them', async () => {
    const { env } = emulators;
    expect(env).toMatchObject({
      GOOGLE_API_ROOT_URL: `${emulators.google.url}/`,
      TWILIO_API_BASE_URL: emulators.twilio.url,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      PUSH_ENDPOINT_ALLOWED_HOSTS: emulators.push.url.replace('https://', ''),
    });
    expect((await fetch(`${env.GOOGLE_OAUTH_AUTH_URL ?? ''}?client_id=nope`)).status).toBe(400);
    expect(
      (
        await fetch(`${env.TWILIO_API_BASE_URL ?? ''}/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID ?? ''}/Calls.json`, {
          method: 'POST',
        })
      ).status,
    ).toBe(401);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(emulators.push.caPem);
  });

  it('writes a CA that a child Node process trusts through NODE_EXTRA_CA_CERTS', async () => {
    const probe = `require('node:https').get(process.argv[1], (r) => { console.log(r.statusCode); r.resume(); }).on('error', (e) => { console.log(e.code); });`;
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['-e', probe, `${emulators.push.url}/push/unknown`], { env });
    expect((await run({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') })).stdout.trim()).toBe('404');
    expect((await run({})).stdout.trim()).toMatch(/CERT|SIGNATURE|ISSUER/);
  });
});
