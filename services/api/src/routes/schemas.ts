/** JSON schemas shared by routes: responses are serialised through them, so nothing unlisted leaks. */
import { E164_PATTERN } from '@nudge/domain';
import { USER_COLUMNS } from '../orgs/users.js';

/** Every property's name, for a schema whose properties are all required (typed, unlike Object.keys). */
export function allFields<Properties extends object>(properties: Properties): (keyof Properties & string)[] {
  return Object.keys(properties) as (keyof Properties & string)[];
}

/** An object schema with exactly these properties, every one required. */
export function closedObject<const Properties extends object>(properties: Properties) {
  return { type: 'object', additionalProperties: false, required: allFields(properties), properties } as const;
}

export { errorResponses } from '@nudge/service';

/** The types of the columns a row schema shows, timestamps as ISO 8601 strings. */
export const column = {
  uuid: { type: 'string', format: 'uuid' },
  text: { type: 'string' },
  nullableText: { type: ['string', 'null'] },
  boolean: { type: 'boolean' },
  dateTime: { type: 'string', format: 'date-time' },
  nullableDateTime: { type: ['string', 'null'], format: 'date-time' },
} as const;

/** Several columns of one type, spread into a row schema: `...columns(column.nullableText, 'last_status', 'locked_by')`. */
export function columns<const Type, const Names extends readonly string[]>(
  type: Type,
  ...names: Names
): Record<Names[number], Type> {
  return Object.fromEntries(names.map((name) => [name, type])) as Record<Names[number], Type>;
}

/** The answer of a route that answers 204 with no body. */
export const noContent = { type: 'null', description: 'no content' } as const;

/** `:id` of a row addressed by its uuid. */
export const uuidIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const USER_ROLES = ['admin', 'member'] as const;

/** What a user's own PATCH /v1/me and an admin's POST /v1/admin/users may set, checked alike. */
export const userFieldSchemas = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  phone_e164: {
    anyOf: [{ type: 'string', pattern: E164_PATTERN, maxLength: 16 }, { type: 'null' }],
    description: 'E.164, e.g. +4915112345678; null for none',
  },
  timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' },
} as const;

/** A user as the API shows it: the columns of a UserRow, every one present. */
export const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: USER_COLUMNS,
  properties: {
    ...columns(column.uuid, 'id', 'org_id'),
    ...columns(column.text, 'email', 'name'),
    phone_e164: column.nullableText,
    phone_verified_at: {
      ...column.nullableDateTime,
      description:
        'when the user proved they hold phone_e164 (POST /v1/me/phone/verifications); only a verified number is called for escalation',
    },
    timezone: column.text,
    role: { type: 'string', enum: USER_ROLES },
    is_operator: column.boolean,
    created_at: column.dateTime,
  },
} as const;

/** What Google's OAuth redirect brings back to a callback: a code or an error, with the state that was sent. */
export const googleCallbackParams = {
  code: { type: 'string', maxLength: 2048 },
  state: { type: 'string', maxLength: 1024 },
  error: { type: 'string', maxLength: 200 },
  scope: { type: 'string', maxLength: 2048 },
} as const;
