import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

export interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** Every JavaScript file of the built app with its size as served compressed (gzip, level 9 like a CDN would). */
export async function javascriptSizes(appDir: string): Promise<BundleFile[]> {
  const entries = await readdir(appDir, { recursive: true });
  const files = entries.filter((entry) => entry.endsWith('.js')).sort();
  return Promise.all(
    files.map(async (file) => {
      const body = await readFile(`${appDir}${file}`);
      return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    }),
  );
}

/** The scripts index.html loads or preloads: what every page of this single-page app costs. */
export function scriptsOfPage(html: string): string[] {
  const sources = [
    ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ];
  return sources.map((match) => match[1]!);
}
