import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { apiReferencePage, type OpenApiDocument } from './api-reference-page.js';

export interface OpenApiOptions {
  title: string;
  description: string;
  version: string;
  publicBaseUrl: string;
}

/**
 * The OpenAPI description, generated from the same route schemas that validate requests and
 * serialise responses: `/docs/json`, and `/docs`, a plain page rendered from it (no script,
 * nothing fetched from elsewhere). Registered before the routes it describes.
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiOptions) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: options.title, version: options.version, description: options.description },
        servers: [{ url: options.publicBaseUrl }],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API token from nudge-admin create-org or POST /v1/admin/users',
            },
          },
        },
        security: [{ bearer: [] }],
      },
      // A schema added with `addSchema` is a component named by its `$id` (`Error`), not `def-0`.
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
    });
    const hidden = { schema: { hide: true } };
    app.get('/docs/json', hidden, async () => app.swagger());
    app.get('/docs', hidden, async (_request, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(apiReferencePage(app.swagger() as unknown as OpenApiDocument)),
    );
  },
  { name: 'nudge-openapi' },
);

/** The document an app built with `docs` serves at /docs/json, read without listening. */
export async function openApiDocument(app: FastifyInstance): Promise<Record<string, unknown>> {
  await app.ready();
  return app.swagger() as unknown as Record<string, unknown>;
}
