/** JSON schemas shared by routes: responses are serialised through them, so nothing unlisted leaks. */

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const userSchema = {
  type: 'object',
  required: ['id', 'org_id', 'email', 'name', 'phone_e164', 'phone_verified_at', 'timezone', 'role', 'is_operator', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    org_id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    name: { type: 'string' },
    phone_e164: { type: ['string', 'null'] },
    phone_verified_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'when the user proved they hold phone_e164 (POST /v1/me/phone/verifications); only a verified number is called for escalation',
    },
    timezone: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'member'] },
    is_operator: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;
