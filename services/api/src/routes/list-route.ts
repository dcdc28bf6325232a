import { errorResponses, type HttpApp, type ReplyOf } from '@nudge/service';
import type { FastifyRequest, FastifyTypeProviderDefault } from 'fastify';

/** What a list route is: its path, the schema of one item, and what the OpenAPI document says of it. */
export interface ListRoute<Item> {
  url: string;
  item: Item;
  description?: string;
}

/** `GET url`, answering the array `list` returns: the caller's or the organisation's rows of one kind. */
export function getList<const Item extends object>(
  app: HttpApp,
  route: ListRoute<Item>,
  list: (request: FastifyRequest) => Promise<ReplyOf<NoInfer<Item>>[]>,
): void {
  const response = { 200: { type: 'array', items: route.item }, ...errorResponses } as const;
  // The reply type is checked at the call (`list`); fastify cannot resolve it for a generic schema.
  app
    .withTypeProvider<FastifyTypeProviderDefault>()
    .get(route.url, { schema: { description: route.description, response } }, list);
}
