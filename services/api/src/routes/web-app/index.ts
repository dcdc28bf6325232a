import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import { readStaticFile, type StaticFile } from './static-files.js';

/**
 * The app's own policy, stricter than helmet's default for the API: nothing inline, nothing
 * from elsewhere; workers (the service worker) and fetches only to this origin. It leaves out
 * `upgrade-insecure-requests`, which only breaks plain-HTTP local runs: everything is same-origin.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Not part of the API's description (`hide` is @fastify/swagger's, typed where that plugin is). */
const hidden = { schema: { hide: true } as FastifySchema };

function send(reply: FastifyReply, file: StaticFile, cacheControl: string) {
  return reply
    .header('content-type', file.contentType)
    .header('cache-control', cacheControl)
    .header('content-security-policy', WEB_APP_CSP)
    .send(file.body);
}

/**
 * Serves the built web app under /app/ (a small handler instead of @fastify/static, whose
 * ESM-only dependencies jest's VM cannot require). Paths without a file are the app's own
 * routes (/app/alerts/<id> from a push), answered with index.html; missing assets are 404.
 */
export async function webAppRoutes(app: FastifyInstance, options: { root: string }): Promise<void> {
  const { root } = options;

  app.get('/app', hidden, async (_request, reply) => reply.redirect('/app/', 301));

  app.get<{ Params: { '*': string } }>('/app/*', hidden, async (request, reply) => {
    const path = request.params['*'];
    if (path.startsWith('assets/')) {
      const asset = await readStaticFile(root, path);
      if (asset === undefined) return reply.callNotFound();
      // Names carry a content hash: a changed file is a new URL.
      return send(reply, asset, 'public, max-age=31536000, immutable');
    }
    const file = path === '' ? undefined : await readStaticFile(root, path);
    if (file !== undefined) return send(reply, file, 'no-cache');
    if (extname(path) !== '') return reply.callNotFound();
    const index = await readStaticFile(root, 'index.html');
    if (index === undefined) {
      request.log.warn(
        { event: 'web_app.missing', root },
        'the web app is not built (node packages/web/dist/build.js)',
      );
      return reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('The web app is not built on this server.');
    }
    return send(reply, index, 'no-cache');
  });
}
