import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * A file under `root` named by a URL path relative to it, or undefined when there is none.
 * Anything that would leave `root` (`..`, encoded or not, or an absolute path) is no file.
 */
export async function readStaticFile(root: string, relativePath: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return undefined;
  const base = resolve(root);
  const path = resolve(base, `.${sep}${decoded}`);
  if (!path.startsWith(base + sep)) return undefined;
  const contentType = CONTENT_TYPES[extname(path)];
  if (contentType === undefined) return undefined;
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return { body: await readFile(path), contentType };
  } catch {
    return undefined;
  }
}
