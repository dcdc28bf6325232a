import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { WEB_APP_DIR, WEB_APP_PATH } from '../location.js';
import { javascriptSizes, scriptsOfPage } from './bundle-sizes.js';

/** DESIGN/issue 9: no page over 150 KB of JavaScript, gzipped. */
const PAGE_BUDGET = 150 * 1024;

describe('the built web app', () => {
  it('loads under 150 KB of JavaScript gzipped, counting every chunk any page could load', async () => {
    const sizes = await javascriptSizes(WEB_APP_DIR);
    const pageScripts = sizes.filter((s) => s.file !== 'sw.js');
    expect(pageScripts.length).toBeGreaterThan(0);
    const total = pageScripts.reduce((sum, s) => sum + s.gzipBytes, 0);
    // Printed so that the size is visible in every run, not only when it fails.
    console.log(
      sizes
        .map((s) => `${s.file}: ${(s.bytes / 1024).toFixed(1)} KB, ${(s.gzipBytes / 1024).toFixed(1)} KB gzipped`)
        .join('\n'),
    );
    expect(total).toBeLessThan(PAGE_BUDGET);
    // Lazy chunks are counted above, so a page may load any of them: the budget holds for each.
  });

  it('the index page names only scripts that were built', async () => {
    const html = await readFile(`${WEB_APP_DIR}index.html`, 'utf8');
    const scripts = scriptsOfPage(html);
    expect(scripts.length).toBeGreaterThan(0);
    const built = new Set((await javascriptSizes(WEB_APP_DIR)).map((s) => `${WEB_APP_PATH}${s.file}`));
    for (const src of scripts) expect(built.has(src)).toBe(true);
  });

  it('the service worker is at a fixed URL, as one script with nothing to import', async () => {
    const sw = await readFile(`${WEB_APP_DIR}sw.js`, 'utf8');
    expect(sw).toContain('notificationclick');
    expect(sw).not.toMatch(/^\s*import\s/m);
  });
});
