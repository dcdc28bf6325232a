import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { apiDocument, type OpenApiDocument } from './api-document.js';
import { renderApiTypes } from './render-types.js';
import { WEB_APP_TYPES_FILE } from './web-app-types.js';

interface JsonAnswer {
  properties: Record<string, unknown>;
  required: string[];
}

describe("the web app's api types", () => {
  let document: OpenApiDocument;
  beforeAll(async () => {
    document = await apiDocument();
  });

  it('are what the current api generates from its OpenAPI document (else: pnpm api-types)', async () => {
    const committed = await readFile(WEB_APP_TYPES_FILE, 'utf8');
    expect(committed).toBe(await renderApiTypes(document));
  });

  it('change when a route schema changes: a field the api stops sending leaves the types', async () => {
    const changed = structuredClone(document) as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content: Record<string, { schema: JsonAnswer }> }> } }
      >;
    };
    const me = changed.paths['/v1/me']!.get.responses['200']!.content['application/json']!.schema;
    delete me.properties.phone_e164;
    me.required = me.required.filter((name) => name !== 'phone_e164');
    const before = await renderApiTypes(document);
    const after = await renderApiTypes(changed);
    expect(before).toContain('phone_e164: string | null;');
    expect(after.split('phone_e164').length).toBe(before.split('phone_e164').length - 1);
  });
});
