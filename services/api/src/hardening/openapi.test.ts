import { describe, expect, it } from '@jest/globals';
import { useApiTestBed } from '../testing/api-under-test.js';

describe('OpenAPI', () => {
  const bed = useApiTestBed();

  it('every route has one schema, with a response schema, used for validation and the docs', () => {
    const routes = bed.api.app.routeInventory.filter((route) => !route.hidden);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter(
      (route) => route.schema?.response === undefined || Object.keys(route.schema.response).length === 0,
    );
    expect(missing.map((route) => `${route.method} ${route.url}`)).toEqual([]);
  });

  it('serves the description at /docs/json, covering every route, and a page at /docs', async () => {
    const json = await bed.api.request('/docs/json');
    expect(json.status).toBe(200);
    const doc = json.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    for (const route of bed.api.app.routeInventory.filter((r) => !r.hidden)) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      expect(documented).toContain(`${route.method} ${path}`);
    }
    const page = await bed.api.request('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<code>/v1/me</code>');
  });
});
