import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@nudge/testkit';
import { startApi, type ApiUnderTest } from '../../testing/api-under-test.js';

/** The web app's files as the api serves them; a stand-in build, so this does not depend on vite. */
describe('the web app under /app/', () => {
  let db: TestDatabase;
  let api: ApiUnderTest;
  let dir: string;
  let parent: string;
  const OUTSIDE = 'content-outside-the-app-folder';

  beforeAll(async () => {
    // The app folder inside a parent that holds a file no request may reach.
    parent = await mkdtemp(`${tmpdir()}/nudge-web-`);
    dir = `${parent}/app`;
    await writeFile(`${parent}/nudge-outside.html`, OUTSIDE);
    await mkdir(`${dir}/assets`, { recursive: true });
    await writeFile(
      `${dir}/index.html`,
      '<!doctype html><title>Nudge</title><script type="module" src="/app/assets/index-abc.js"></script>',
    );
    await writeFile(`${dir}/assets/index-abc.js`, 'console.log("app")');
    await writeFile(`${dir}/sw.js`, 'self.addEventListener("push", () => {})');
    db = await createTestDatabase();
    api = await startApi(db, { webAppDir: `${dir}/` });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
    await rm(parent, { recursive: true, force: true });
  });

  it('serves index.html with the app’s own CSP: scripts, workers and fetches from this origin only', async () => {
    const page = await api.request('/app/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).toContain('/app/assets/index-abc.js');
  });

  it('answers the app’s own routes (a push links to /app/alerts/<id>) with index.html', async () => {
    const page = await api.request('/app/alerts/0b6f3c1e-7d0e-4c1f-9a53-3f1f3f1f3f1f');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Nudge</title>');
  });

  it('serves hashed assets as immutable and the service worker as revalidated', async () => {
    const asset = await api.request('/app/assets/index-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const sw = await api.request('/app/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 in the API’s error format for a missing asset, and never leaves the app folder', async () => {
    const missing = await api.request('/app/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    for (const path of [
      '/app/..%2fnudge-outside.html',
      '/app/%2e%2e/nudge-outside.html',
      '/app/assets/..%2f..%2fnudge-outside.html',
      '/app/..%5cnudge-outside.html',
    ]) {
      const response = await api.request(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain(OUTSIDE);
    }
  });

  it('redirects /app to /app/ so relative URLs resolve', async () => {
    const response = await api.request('/app');
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/app/');
  });

  it('leaves the API’s policy as it was (helmet’s default)', async () => {
    const response = await api.request('/v1/me');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('upgrade-insecure-requests');
  });
});
