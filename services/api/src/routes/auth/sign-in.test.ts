import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { planAlerts } from '@nudge/alerts';
import {
  alertTimeline,
  createTestDatabase,
  GoogleEmulator,
  insertAlert,
  insertMeeting,
  insertUser,
  type AccountOptions,
  type IdTokenClaims,
  type TestDatabase,
} from '@nudge/testkit';
import { CookieBrowser } from '../../testing/cookie-browser.js';
import { newOrg, startApi, type ApiUnderTest } from '../../testing/api-under-test.js';

const PUBLIC_ORIGIN = 'http://127.0.0.1:3000';
const IDLE_MINUTES = 30;
const ABSOLUTE_HOURS = 2;

let db: TestDatabase;
let google: GoogleEmulator;
let api: ApiUnderTest;
let nowMs = Date.now();

beforeAll(async () => {
  db = await createTestDatabase();
  google = await GoogleEmulator.start();
  api = await startApi(db, {
    clock: { now: () => new Date(nowMs) },
    env: {
      ...google.endpointEnv(),
      SESSION_IDLE_MINUTES: String(IDLE_MINUTES),
      SESSION_ABSOLUTE_HOURS: String(ABSOLUTE_HOURS),
    },
  });
});
afterAll(async () => {
  await api.close();
  await google.close();
  await db.drop();
});
beforeEach(() => {
  nowMs = Date.now();
});

let seq = 0;
const unique = (name: string) => `${name}-${++seq}-${Date.now()}@example.test`;

/** A person signing in with Google in their own browser; returns the browser and where it ended. */
async function signInWithGoogle(email: string, account?: AccountOptions, path = '/v1/auth/google/start') {
  google.approveAs(email, account);
  const browser = new CookieBrowser(api.base);
  const outcome = await browser.navigate(`${api.base}${path}`);
  return { browser, ...outcome };
}

async function sessionCount(userId: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${userId}`;
  return row!.n;
}

async function session(browser: CookieBrowser) {
  const response = await browser.fetch(`${api.base}/v1/auth/session`);
  return {
    status: response.status,
    body: (await response.json()) as {
      user?: { id: string; email: string };
      csrf_token?: string;
      error?: { code: string };
    },
  };
}

/** A state-changing request as the web app sends it: same origin, the CSRF token in its header. */
async function patchMe(browser: CookieBrowser, name: string, headers: Record<string, string>) {
  return browser.fetch(`${api.base}/v1/me`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name }),
  });
}

describe('Sign in with Google', () => {
  it('signs an existing user in by verified email, binds their Google account, and sets an HttpOnly SameSite=Lax session cookie', async () => {
    const ada = await newOrg(db);
    const [{ email } = { email: '' }] = await db.sql<
      { email: string }[]
    >`select email from users where id = ${ada.userId}`;
    const { browser, response, url } = await signInWithGoogle(email);

    expect(response.status).toBe(303);
    expect(new URL(url).pathname).toBe('/app/');
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('nudge_session='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i); // plain-http local development only

    const [user] = await db.sql<{ google_sub: string }[]>`select google_sub from users where id = ${ada.userId}`;
    expect(user!.google_sub).toBe(google.account(email)!.sub);
    const secret = browser.cookies.get('nudge_session')!;
    const rows = await db.sql<{ id_hash: string }[]>`select id_hash from sessions where user_id = ${ada.userId}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).not.toContain(secret);

    const current = await session(browser);
    expect(current.status).toBe(200);
    expect(current.body.user).toMatchObject({ id: ada.userId, email });
    expect(current.body.csrf_token).toEqual(expect.any(String));
    // The flow binding is spent: only the session cookie remains.
    expect([...browser.cookies.keys()]).toEqual(['nudge_session']);
  });

  it('asks Google for openid email profile only, with a state and a nonce bound to this browser', async () => {
    const browser = new CookieBrowser(api.base);
    const response = await browser.fetch(`${api.base}/v1/auth/google/start`);
    expect(response.status).toBe(302);
    const consent = new URL(response.headers.get('location')!);
    expect(`${consent.origin}${consent.pathname}`).toBe(google.authUrl);
    expect(consent.searchParams.get('scope')).toBe('openid email profile');
    expect(consent.searchParams.get('access_type')).toBeNull();
    const [state, nonce] = browser.cookies.get('nudge_sign_in')!.split('.');
    expect(consent.searchParams.get('state')).toBe(state);
    expect(consent.searchParams.get('nonce')).toBe(nonce);
  });

  /** A known user whose next ID token from Google carries `claims` over the real ones. */
  const tamperedToken = (label: string, claims: () => Partial<IdTokenClaims>) => async () => {
    const email = unique(label);
    const { userId } = await insertUser(db.sql, { email });
    google.tamperNextIdToken(claims());
    return { email, userId };
  };

  const refusals: [
    string,
    () => Promise<{ email: string; account?: AccountOptions; userId?: string }>,
    number,
    RegExp,
  ][] = [
    [
      'an unknown email',
      async () => ({ email: unique('stranger') }),
      403,
      /has no account for .*Ask an admin of your organisation/,
    ],
    [
      'an unverified email',
      async () => {
        const email = unique('unverified');
        const { userId } = await insertUser(db.sql, { email });
        return { email, account: { emailVerified: false }, userId };
      },
      403,
      /has not verified the email address/,
    ],
    [
      'a token for another audience',
      tamperedToken('audience', () => ({ aud: 'someone-else.apps.googleusercontent.com' })),
      400,
      /made for another application/,
    ],
    [
      'an expired token',
      tamperedToken('expired', () => {
        const past = Math.floor(Date.now() / 1000) - 3 * 3600;
        return { iat: past, exp: past + 3600 };
      }),
      400,
      /sign-in expired/,
    ],
    [
      'a token naming another issuer',
      tamperedToken('issuer', () => ({ iss: 'https://evil.example' })),
      400,
      /not issued by Google/,
    ],
    [
      'a token with another sign-in’s nonce',
      tamperedToken('nonce', () => ({ nonce: 'a-nonce-from-another-browser' })),
      400,
      /belongs to another sign-in/,
    ],
    [
      'a workspace account of a domain no organisation admits',
      async () => {
        const org = await newOrg(db);
        await db.sql`update organizations set google_workspace_domain = ${`corp-${seq}.test`} where id = ${org.orgId}`;
        return { email: `x@other-${seq}.test`, account: { hd: `other-${seq}.test` } };
      },
      403,
      /No organisation in Nudge admits the Google Workspace domain other-/,
    ],
    [
      'a consumer account whose email merely ends in an admitted domain (no hd)',
      async () => {
        const org = await newOrg(db);
        const domain = `corp-${++seq}.test`;
        await db.sql`update organizations set google_workspace_domain = ${domain} where id = ${org.orgId}`;
        return { email: `mallory@${domain}` };
      },
      403,
      /has no account for/,
    ],
  ];

  it.each(refusals)(
    'refuses %s with a page saying why, and starts no session',
    async (_name, arrange, status, message) => {
      const { email, account, userId } = await arrange();
      const before = await db.sql<{ n: number }[]>`select count(*)::int as n from sessions`;
      const { browser, response, text } = await signInWithGoogle(email, account);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(text).toContain('You are not signed in');
      expect(text.replace(/&#39;|&amp;|’/g, '')).toMatch(message);
      expect(browser.cookies.has('nudge_session')).toBe(false);
      expect(await db.sql<{ n: number }[]>`select count(*)::int as n from sessions`).toEqual(before);
      if (userId !== undefined)
        expect(await db.sql`select google_sub from users where id = ${userId}`).toEqual([{ google_sub: null }]);
    },
  );

  it('admits a workspace account of the domain an organisation admits, as a member', async () => {
    const org = await newOrg(db);
    const domain = `acme-${++seq}.test`;
    const patched = await api.request('/v1/admin/organization', {
      method: 'PATCH',
      token: org.token,
      body: { google_workspace_domain: domain.toUpperCase() },
    });
    expect(patched.json()).toMatchObject({ google_workspace_domain: domain });
    const { browser, response } = await signInWithGoogle(`grace@${domain}`, { hd: domain, name: 'Grace Hopper' });
    expect(response.status).toBe(303);
    expect((await session(browser)).body.user).toMatchObject({
      email: `grace@${domain}`,
      name: 'Grace Hopper',
      role: 'member',
      org_id: org.orgId,
    });
  });

  it('refuses a callback opened in another browser, which changes nothing, while the browser that started it signs in', async () => {
    const ada = await newOrg(db);
    const [{ email } = { email: '' }] = await db.sql<
      { email: string }[]
    >`select email from users where id = ${ada.userId}`;
    google.approveAs(email);
    const starter = new CookieBrowser(api.base);
    const start = await starter.fetch(`${api.base}/v1/auth/google/start`);
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = consent.headers.get('location')!;

    const other = new CookieBrowser(api.base);
    const forwarded = await other.navigate(callback);
    expect(forwarded.response.status).toBe(400);
    expect(forwarded.text).toContain('not started in this browser');
    expect(other.cookies.has('nudge_session')).toBe(false);
    expect(await db.sql`select google_sub from users where id = ${ada.userId}`).toEqual([{ google_sub: null }]);

    const own = await starter.navigate(callback);
    expect(own.response.status).toBe(303);
    expect((await session(starter)).body.user?.id).toBe(ada.userId);
  });
});

describe('browser sessions', () => {
  async function signedIn() {
    const org = await newOrg(db);
    const [{ email } = { email: '' }] = await db.sql<
      { email: string }[]
    >`select email from users where id = ${org.userId}`;
    const { browser } = await signInWithGoogle(email);
    const csrf = (await session(browser)).body.csrf_token!;
    return { ...org, email, browser, csrf };
  }

  it('refuses a cookie-authenticated change without the CSRF token or from another origin; bearer tokens need neither', async () => {
    const ada = await signedIn();
    const name = async () =>
      (await db.sql<{ name: string }[]>`select name from users where id = ${ada.userId}`)[0]!.name;
    const before = await name();

    const noToken = await patchMe(ada.browser, 'Forged', { origin: PUBLIC_ORIGIN });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    const wrongToken = await patchMe(ada.browser, 'Forged', { origin: PUBLIC_ORIGIN, 'x-csrf-token': 'A'.repeat(43) });
    expect(wrongToken.status).toBe(403);
    const crossSite = await patchMe(ada.browser, 'Forged', {
      origin: 'https://evil.example',
      'x-csrf-token': ada.csrf,
    });
    expect(crossSite.status).toBe(403);
    expect(await name()).toBe(before);

    const sameOrigin = await patchMe(ada.browser, 'Ada Session', { origin: PUBLIC_ORIGIN, 'x-csrf-token': ada.csrf });
    expect(sameOrigin.status).toBe(200);
    expect(await name()).toBe('Ada Session');
    // Reads need no token.
    expect((await ada.browser.fetch(`${api.base}/v1/me`)).status).toBe(200);
    // API clients: unchanged.
    expect(
      (await api.request('/v1/me', { method: 'PATCH', token: ada.token, body: { name: 'Ada Token' } })).status,
    ).toBe(200);
  });

  it('ends a session left unused for the idle lifetime, and any session at the absolute lifetime', async () => {
    const idle = await signedIn();
    const busy = await signedIn();
    const start = nowMs;
    for (const minutes of [20, 40, 60, 80, 100, 119]) {
      nowMs = start + minutes * 60_000;
      expect((await busy.browser.fetch(`${api.base}/v1/me`)).status).toBe(200);
      if (minutes === 40) {
        const ended = await idle.browser.fetch(`${api.base}/v1/me`);
        expect(ended.status).toBe(401);
        expect(((await ended.json()) as { error: { code: string } }).error.code).toBe('session_ended');
      }
    }
    nowMs = start + ABSOLUTE_HOURS * 3_600_000 + 1_000;
    expect((await busy.browser.fetch(`${api.base}/v1/me`)).status).toBe(401);
    // The API token is not a session: it keeps working.
    expect((await api.request('/v1/me', { token: busy.token })).status).toBe(200);
  });

  it('lists the person’s sessions, signs out one, and signs out everywhere', async () => {
    const ada = await signedIn();
    const phone = await signInWithGoogle(ada.email);
    const laptop = await signInWithGoogle(ada.email);
    // Signing in again in the same browser replaces its session rather than adding one.
    const laptopBefore = laptop.browser.cookies.get('nudge_session');
    await laptop.browser.navigate(`${api.base}/v1/auth/google/start`);
    expect(laptop.browser.cookies.get('nudge_session')).not.toBe(laptopBefore);
    const listed = await ada.browser.fetch(`${api.base}/v1/me/sessions`);
    const sessions = (await listed.json()) as { id: string; current: boolean; user_agent: string | null }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);

    const out = await laptop.browser.fetch(`${api.base}/v1/auth/sign-out`, {
      method: 'POST',
      headers: { origin: PUBLIC_ORIGIN, 'x-csrf-token': (await session(laptop.browser)).body.csrf_token! },
    });
    expect(out.status).toBe(204);
    expect(laptop.browser.cookies.has('nudge_session')).toBe(false);
    expect(await sessionCount(ada.userId)).toBe(2);

    const everywhere = await phone.browser.fetch(`${api.base}/v1/auth/sign-out-everywhere`, {
      method: 'POST',
      headers: { origin: PUBLIC_ORIGIN, 'x-csrf-token': (await session(phone.browser)).body.csrf_token! },
    });
    expect(everywhere.status).toBe(200);
    expect(await everywhere.json()).toEqual({ ended: 2 });
    expect((await ada.browser.fetch(`${api.base}/v1/me`)).status).toBe(401);
    expect((await phone.browser.fetch(`${api.base}/v1/me`)).status).toBe(401);
    expect(await sessionCount(ada.userId)).toBe(0);
  });
});

describe('Google Calendar connect bound to the browser', () => {
  it('refuses the login-CSRF attack: a victim who opens the attacker’s connect link links nothing to the attacker', async () => {
    const attacker = await newOrg(db);
    const victim = await newOrg(db);
    const [{ email: victimEmail } = { email: '' }] = await db.sql<
      { email: string }[]
    >`select email from users where id = ${victim.userId}`;
    // The attacker makes a consent URL for their own Nudge user (in their own browser)…
    const attackerBrowser = new CookieBrowser(api.base);
    const connect = await attackerBrowser.fetch(`${api.base}/v1/calendar/google/connect`, {
      headers: { authorization: `Bearer ${attacker.token}` },
    });
    const { url } = (await connect.json()) as { url: string };
    expect(new URL(url).searchParams.get('include_granted_scopes')).toBe('true');

    // …and the victim, signed in to Nudge in their browser, opens it and consents as themselves.
    const { browser: victimBrowser } = await signInWithGoogle(victimEmail);
    google.approveAs(victimEmail);
    const opened = await victimBrowser.navigate(url);
    expect(opened.response.status).toBe(400);
    expect(opened.text).toContain('not started in this browser');
    expect(
      await db.sql`select user_id from calendar_credentials where user_id in ${db.sql([attacker.userId, victim.userId])}`,
    ).toEqual([]);
    expect(
      api.logLines.some((line) => line.event === 'calendar.connect.refused' && line.code === 'state_not_bound'),
    ).toBe(true);

    // The victim's own connect, from their own browser, works: one more click after sign-in.
    const own = await victimBrowser.fetch(`${api.base}/v1/calendar/google/connect`, {
      headers: { 'x-csrf-token': (await session(victimBrowser)).body.csrf_token! },
    });
    const ownUrl = ((await own.json()) as { url: string }).url;
    const connected = await victimBrowser.navigate(ownUrl);
    expect(connected.response.status).toBe(200);
    expect(connected.text).toContain('Google Calendar connected');
    const [credential] = await db.sql<
      { scopes: string[] }[]
    >`select scopes from calendar_credentials where user_id = ${victim.userId}`;
    // Incremental: the calendar scope joins what was granted at sign-in.
    expect(credential!.scopes).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile', 'https://www.googleapis.com/auth/calendar.readonly']),
    );
  });
});

describe('invitations', () => {
  async function invite(adminToken: string, email: string, role: 'admin' | 'member' = 'member') {
    const response = await api.request('/v1/admin/invitations', {
      method: 'POST',
      token: adminToken,
      body: { email, role },
    });
    expect(response.status).toBe(201);
    return response.json<{
      invitation: { id: string; email: string; expires_at: string };
      url: string;
      emailed: boolean;
    }>();
  }
  const startPath = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  };

  it('admits the invited email once: a single-use link, valid 7 days, only its hash stored', async () => {
    const admin = await newOrg(db);
    const bob = unique('bob');
    const created = await invite(admin.token, bob.toUpperCase(), 'admin');
    expect(created.invitation.email).toBe(bob);
    expect(created.emailed).toBe(false);
    expect(new Date(created.invitation.expires_at).getTime() - nowMs).toBeGreaterThan(7 * 24 * 3_600_000 - 60_000);
    const secret = new URL(created.url).searchParams.get('invitation')!;
    const [row] = await db.sql<
      { token_hash: string }[]
    >`select token_hash from invitations where id = ${created.invitation.id}`;
    expect(row!.token_hash).not.toContain(secret);
    expect((await api.request('/v1/admin/invitations', { token: admin.token })).json()).toEqual([
      expect.objectContaining({ id: created.invitation.id }),
    ]);

    const accepted = await signInWithGoogle(bob, { name: 'Bob' }, startPath(created.url));
    expect(accepted.response.status).toBe(303);
    expect((await session(accepted.browser)).body.user).toMatchObject({
      email: bob,
      role: 'admin',
      org_id: admin.orgId,
      name: 'Bob',
    });

    const again = await signInWithGoogle(bob, undefined, startPath(created.url));
    expect(again.response.status).toBe(403);
    expect(again.text).toContain('already used');
    expect((await api.request('/v1/admin/invitations', { token: admin.token })).json()).toEqual([]);
  });

  it('refuses an expired invitation, and one accepted as another Google account, leaving it unused', async () => {
    const admin = await newOrg(db);
    const late = await invite(admin.token, unique('late'));
    await db.sql`update invitations set expires_at = ${new Date(nowMs - 1000)} where id = ${late.invitation.id}`;
    const expired = await signInWithGoogle(unique('late'), undefined, startPath(late.url));
    expect(expired.response.status).toBe(403);
    expect(expired.text).toContain('expired');

    const carol = await invite(admin.token, unique('carol'));
    const dave = unique('dave');
    const wrong = await signInWithGoogle(dave, undefined, startPath(carol.url));
    expect(wrong.response.status).toBe(403);
    expect(wrong.text).toContain(`This invitation is for ${carol.invitation.email}`);
    expect(await db.sql`select accepted_at from invitations where id = ${carol.invitation.id}`).toEqual([
      { accepted_at: null },
    ]);
    expect(await db.sql`select 1 from users where email = ${dave}`).toEqual([]);
  });

  it('is for admins only', async () => {
    const admin = await newOrg(db);
    const member = await api.request('/v1/admin/users', {
      method: 'POST',
      token: admin.token,
      body: { email: unique('m'), name: 'M' },
    });
    const response = await api.request('/v1/admin/invitations', {
      method: 'POST',
      token: member.json<{ token: string }>().token,
      body: { email: unique('x') },
    });
    expect(response.status).toBe(403);
  });
});

describe('members', () => {
  it('deactivating a member stops their session and token at once, cancels their open alerts, and bars sign-in', async () => {
    const admin = await newOrg(db);
    const email = unique('leaver');
    const created = await api.request('/v1/admin/users', {
      method: 'POST',
      token: admin.token,
      body: { email, name: 'Leaver' },
    });
    const leaver = created.json<{ user: { id: string }; token: string }>();
    const { browser } = await signInWithGoogle(email);
    expect((await browser.fetch(`${api.base}/v1/me`)).status).toBe(200);
    const meetingId = await insertMeeting(db.sql, leaver.user.id, { startsAt: new Date(nowMs + 3_600_000) });
    const alertId = await insertAlert(db.sql, leaver.user.id, {
      meetingId,
      state: 'notified',
      escalateAt: new Date(nowMs + 60_000),
    });
    // A watched calendar (credential_id may be null: the channel is the user's either way).
    const channelId = `channel-${leaver.user.id}`;
    await db.sql`
      insert into calendar_channels (id, user_id, resource_id, token_hash, expires_at, state)
      values (${channelId}, ${leaver.user.id}, 'resource-1', 'hash', ${new Date(nowMs + 86_400_000)}, 'live')`;

    const done = await api.request(`/v1/admin/members/${leaver.user.id}/deactivate`, {
      method: 'POST',
      token: admin.token,
    });
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ id: leaver.user.id, deactivated_at: expect.any(String) });

    expect((await api.request('/v1/me', { token: leaver.token })).status).toBe(401);
    expect((await browser.fetch(`${api.base}/v1/me`)).status).toBe(401);
    expect(await sessionCount(leaver.user.id)).toBe(0);
    expect(await db.sql`select state from alerts where id = ${alertId}`).toEqual([{ state: 'cancelled' }]);
    expect(await alertTimeline(db.sql, alertId)).toEqual([
      expect.objectContaining({ kind: 'cancelled', detail: { reason: 'user_deactivated' } }),
    ]);
    expect(await db.sql`select state, stop_reason from calendar_channels where id = ${channelId}`).toEqual([
      { state: 'stopped', stop_reason: 'user_deactivated' },
    ]);
    const again = await signInWithGoogle(email);
    expect(again.response.status).toBe(403);
    expect(again.text).toContain('was deactivated');
    // The planner makes no new alert for them.
    const later = await insertMeeting(db.sql, leaver.user.id, { startsAt: new Date(nowMs + 7_200_000) });
    expect(await planAlerts(db.sql, [later], new Date(nowMs))).toMatchObject({ created: 0 });

    expect(
      (await api.request(`/v1/admin/members/${leaver.user.id}/reactivate`, { method: 'POST', token: admin.token }))
        .status,
    ).toBe(200);
    expect((await api.request('/v1/me', { token: leaver.token })).status).toBe(200);
    expect(await planAlerts(db.sql, [later], new Date(nowMs))).toMatchObject({ created: 1 });
  });

  it('changes roles but never leaves an organisation without an active admin, and an admin cannot deactivate themselves', async () => {
    const admin = await newOrg(db);
    const self = await api.request(`/v1/admin/members/${admin.userId}/deactivate`, {
      method: 'POST',
      token: admin.token,
    });
    expect(self.status).toBe(409);
    const demote = await api.request(`/v1/admin/members/${admin.userId}`, {
      method: 'PATCH',
      token: admin.token,
      body: { role: 'member' },
    });
    expect(demote.status).toBe(409);
    expect(demote.json()).toMatchObject({ error: { message: expect.stringContaining('last active admin') } });

    const other = await api.request('/v1/admin/users', {
      method: 'POST',
      token: admin.token,
      body: { email: unique('other'), name: 'Other' },
    });
    const otherId = other.json<{ user: { id: string } }>().user.id;
    expect(
      (
        await api.request(`/v1/admin/members/${otherId}`, {
          method: 'PATCH',
          token: admin.token,
          body: { role: 'admin' },
        })
      ).json(),
    ).toMatchObject({ role: 'admin' });
    expect(
      (
        await api.request(`/v1/admin/members/${admin.userId}`, {
          method: 'PATCH',
          token: admin.token,
          body: { role: 'member' },
        })
      ).status,
    ).toBe(200);
    const members = (await api.request('/v1/admin/members', { token: other.json<{ token: string }>().token })).json<
      { id: string; role: string }[]
    >();
    expect(members.map((m) => [m.id, m.role])).toEqual(
      expect.arrayContaining([
        [admin.userId, 'member'],
        [otherId, 'admin'],
      ]),
    );
    // Another organisation's member is not found, whatever the id.
    const stranger = await newOrg(db);
    expect(
      (
        await api.request(`/v1/admin/members/${stranger.userId}/deactivate`, {
          method: 'POST',
          token: other.json<{ token: string }>().token,
        })
      ).status,
    ).toBe(404);
    expect(await db.sql`select deactivated_at from users where id = ${stranger.userId}`).toEqual([
      { deactivated_at: null },
    ]);
  });
});

describe('outside local development (https PUBLIC_BASE_URL)', () => {
  it('sets Secure __Host- cookies, and the session works with them', async () => {
    const secure = await startApi(db, {
      env: {
        PUBLIC_BASE_URL: 'https://nudge.example.test',
        GOOGLE_OAUTH_AUTH_URL: google.authUrl,
        GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
        GOOGLE_OIDC_ISSUER: google.issuer,
        GOOGLE_OIDC_CERTS_URL: google.certsUrl,
      },
    });
    try {
      const ada = await newOrg(db);
      const [{ email } = { email: '' }] = await db.sql<
        { email: string }[]
      >`select email from users where id = ${ada.userId}`;
      google.approveAs(email);
      const browser = new CookieBrowser(secure.base, 'https://nudge.example.test');
      const { response } = await browser.navigate(`${secure.base}/v1/auth/google/start`);
      expect(response.status).toBe(303);
      const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('__Host-nudge_session='));
      expect(setCookie).toMatch(/; Secure/i);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/Domain=/i);
      const me = await browser.fetch(`${secure.base}/v1/auth/session`);
      expect(me.status).toBe(200);
      // The plain-http name means nothing here.
      const plain = await fetch(`${secure.base}/v1/me`, {
        headers: { cookie: `nudge_session=${browser.cookies.get('__Host-nudge_session')}` },
      });
      expect(plain.status).toBe(401);
    } finally {
      await secure.close();
    }
  });
});
