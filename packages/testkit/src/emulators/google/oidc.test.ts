import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OAuth2Client } from 'google-auth-library';
import { GoogleEmulator } from './google-emulator.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/v1/auth/google/callback';

let google: GoogleEmulator;
beforeAll(async () => {
  google = await GoogleEmulator.start();
});
afterAll(async () => {
  await google.close();
});

function client(): OAuth2Client {
  return new OAuth2Client({
    clientId: google.client.clientId,
    clientSecret: google.client.clientSecret,
    redirectUri: REDIRECT_URI,
    endpoints: {
      oauth2AuthBaseUrl: google.authUrl,
      oauth2TokenUrl: google.tokenUrl,
      oauth2FederatedSignonPemCertsUrl: google.certsUrl,
    },
    issuers: [google.issuer],
  });
}

/** Consent for `openid email profile` and the code exchange, as a relying party does it. */
async function idTokenFor(email: string, nonce: string): Promise<string> {
  google.approveAs(email);
  const oauth = client();
  const consent = await fetch(oauth.generateAuthUrl({ scope: ['openid', 'email', 'profile'], state: 's', nonce }), {
    redirect: 'manual',
  });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const { tokens } = await oauth.getToken({ code, redirect_uri: REDIRECT_URI });
  return tokens.id_token!;
}

describe('the Google emulator as an OpenID Connect provider', () => {
  it('publishes a discovery document and its signing key as a JWKS and as PEM', async () => {
    const discovery = (await (await fetch(`${google.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: google.issuer,
      authorization_endpoint: google.authUrl,
      token_endpoint: google.tokenUrl,
      jwks_uri: google.jwksUrl,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = (await (await fetch(google.jwksUrl)).json()) as { keys: { kid: string; kty: string; alg: string }[] };
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kid: google.identity.kid, kty: 'RSA', alg: 'RS256', use: 'sig' }),
    ]);
    const pem = (await (await fetch(google.certsUrl)).json()) as Record<string, string>;
    expect(pem[google.identity.kid]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('issues RS256 ID tokens for the consenting account that google-auth-library verifies, with hd for workspace accounts', async () => {
    google.addUser('grace@corp.test', { hd: 'corp.test', name: 'Grace' });
    const ticket = await client().verifyIdToken({
      idToken: await idTokenFor('grace@corp.test', 'n-1'),
      audience: google.client.clientId,
    });
    expect(ticket.getPayload()).toMatchObject({
      iss: google.issuer,
      aud: google.client.clientId,
      sub: google.account('grace@corp.test')!.sub,
      email: 'grace@corp.test',
      email_verified: true,
      hd: 'corp.test',
      name: 'Grace',
      nonce: 'n-1',
    });
    const consumer = await client().verifyIdToken({
      idToken: await idTokenFor('bob@gmail.test', 'n-2'),
      audience: google.client.clientId,
    });
    expect(consumer.getPayload()?.hd).toBeUndefined();
  });

  it('makes the tokens tests need to see refused: another audience, expired, unverified email, an unknown key', async () => {
    const verify = (idToken: string) => client().verifyIdToken({ idToken, audience: google.client.clientId });
    google.tamperNextIdToken({ aud: 'other-client' });
    await expect(verify(await idTokenFor('a@x.test', 'n'))).rejects.toThrow(/Wrong recipient/);
    const past = Math.floor(Date.now() / 1000) - 7200;
    google.tamperNextIdToken({ iat: past, exp: past + 600 });
    await expect(verify(await idTokenFor('a@x.test', 'n'))).rejects.toThrow(/used too late/);
    google.addUser('unverified@x.test', { emailVerified: false });
    expect((await verify(await idTokenFor('unverified@x.test', 'n'))).getPayload()?.email_verified).toBe(false);
    const claims = google.identity.claimsFor(google.account('a@x.test')!, google.issuer, google.client.clientId, 'n');
    await expect(verify(google.identity.signWithUnknownKey(claims))).rejects.toThrow(/Invalid token signature/);
    await expect(verify(google.identity.sign(claims))).resolves.toBeDefined();
  });
});
