import { fileURLToPath } from 'node:url';

/** Where the built web app lives (vite's output), from this file's place in packages/web/dist. */
export const WEB_APP_DIR = fileURLToPath(new URL('./app/', import.meta.url));

/** The URL path the api serves it under; push payloads link to `${PUBLIC_BASE_URL}/app/alerts/<id>`. */
export const WEB_APP_PATH = '/app/';
