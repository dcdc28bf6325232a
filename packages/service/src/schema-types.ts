import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { errorSchema } from './error-handler.js';

/**
 * What a reply may carry where its schema says `date-time`: the serializer writes a Date as an
 * ISO string, so rows straight from postgres.js (Dates) and strings are both fine.
 */
type DateTimeReplies = [{ pattern: { type: 'string'; format: 'date-time' }; output: Date | string }];

/** The schemas every HTTP app adds (`addSchema`), which route schemas refer to by `$ref`. */
type SharedSchemas = [typeof errorSchema];

/**
 * Route types come from the route's own JSON schemas (`as const`): request parts as validated
 * (query strings and params after coercion), replies as the response schema serialises them.
 */
export type SchemaTypeProvider = JsonSchemaToTsProvider<{
  ValidatorSchemaOptions: { references: SharedSchemas };
  SerializerSchemaOptions: { references: SharedSchemas; deserialize: DateTimeReplies };
}>;

/** A fastify instance whose routes are typed by their schemas; route plugins take this. */
export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  SchemaTypeProvider
>;

/** What a response schema accepts: the type of the rows a route sends as they are. */
export type ReplyOf<Schema> = (SchemaTypeProvider & { schema: Schema })['serializer'];
