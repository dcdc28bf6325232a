import { fileURLToPath } from 'node:url';
import { apiDocument } from './api-document.js';
import { renderApiTypes } from './render-types.js';

/** Where the web app keeps the generated types (committed, so the app type-checks without the api). */
export const WEB_APP_TYPES_FILE = fileURLToPath(new URL('../../web/app/src/api-types.generated.ts', import.meta.url));

/** The types the current api would generate for the web app. */
export async function currentWebAppTypes(): Promise<string> {
  return renderApiTypes(await apiDocument());
}
