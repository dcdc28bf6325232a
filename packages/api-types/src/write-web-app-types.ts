/** Regenerates the web app's api types from the api's OpenAPI document (`pnpm api-types`). */
import { writeFile } from 'node:fs/promises';
import { currentWebAppTypes, WEB_APP_TYPES_FILE } from './web-app-types.js';

await writeFile(WEB_APP_TYPES_FILE, await currentWebAppTypes());
process.stdout.write(`wrote ${WEB_APP_TYPES_FILE}\n`);
