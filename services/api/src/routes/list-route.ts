import { errorResponses, type HttpApp, type ReplyOf } from '@nudge/service';
import type { FastifyTypeProviderDefault } from 'fastify';
import type { Caller } from '../auth/caller.js';
import { callerOf } from '../plugins/auth.js';

/** What a list route is: its path, the schema of one item, and what the OpenAPI document says of it. */
export interface ListRoute<Item> {
  url: string;
  item: Item;
  description?: string;
}

/**
 * `GET url` behind `restrictTo`, answering the array `list` returns for the caller: their own rows
 * of one kind (`caller.userId`) or their organisation's (`caller.orgId`).
 */
export function getList<const Item extends object>(
  app: HttpApp,
  route: ListRoute<Item>,
  list: (caller: Caller) => Promise<ReplyOf<NoInfer<Item>>[]>,
): void {
  const response = { 200: { type: 'array', items: route.item }, ...errorResponses } as const;
  // The reply type is checked at the call (`list`); fastify cannot resolve it for a generic schema.
  app
    .withTypeProvider<FastifyTypeProviderDefault>()
    .get(route.url, { schema: { description: route.description, response } }, async (request) =>
      list(callerOf(request)),
    );
}
