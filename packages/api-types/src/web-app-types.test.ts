import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { apiDocument } from './api-document.js';
import { renderApiTypes } from './render-types.js';
import { currentWebAppTypes, WEB_APP_TYPES_FILE } from './web-app-types.js';

describe("the web app's api types", () => {
  it('are what the current api generates from its OpenAPI document (else: pnpm api-types)', async () => {
    const committed = await readFile(WEB_APP_TYPES_FILE, 'utf8');
    expect(committed).toBe(await currentWebAppTypes());
  });

  it('change when a route schema changes: a field the api stops sending leaves the types', async () => {
    const document = await apiDocument();
    const me = (document as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }> } }> }).paths['/v1/me']!.get
      .responses['200']!.content['application/json']!.schema;
    const before = await renderApiTypes(document);
    expect(before).toContain('phone_e164: string | null;');
    delete me.properties.phone_e164;
    me.required = me.required.filter((name) => name !== 'phone_e164');
    const after = await renderApiTypes(document);
    expect(after).not.toBe(before);
    expect(after.split('phone_e164').length).toBe(before.split('phone_e164').length - 1);
  });
});
