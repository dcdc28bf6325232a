/**
 * Builds the web app into dist/app: the pages (index.html and hashed assets) and the service
 * worker at a fixed name, sw.js, because its URL decides its scope and must not change.
 */
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig } from 'vite';
import { WEB_APP_DIR, WEB_APP_PATH } from './location.js';

const appRoot = fileURLToPath(new URL('../app/', import.meta.url));

const shared: InlineConfig = {
  configFile: false,
  logLevel: 'warn',
  base: WEB_APP_PATH,
  root: appRoot,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
};

export async function buildWebApp(): Promise<void> {
  await build({
    ...shared,
    build: { outDir: WEB_APP_DIR, emptyOutDir: true, target: 'es2022', sourcemap: false },
  });
  // A classic script with nothing to import: every browser that has push can run it.
  await build({
    ...shared,
    build: {
      outDir: WEB_APP_DIR,
      emptyOutDir: false,
      target: 'es2022',
      copyPublicDir: false,
      rollupOptions: { input: `${appRoot}sw/sw.ts`, output: { format: 'iife', entryFileNames: 'sw.js' } },
    },
  });
}

await buildWebApp();
