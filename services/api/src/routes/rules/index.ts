import { DEFAULT_RULE_SETTINGS, findRule, planUpcomingForUser, saveRule, type AlertRuleRow } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import { HH_MM_PATTERN, type Clock } from '@nudge/domain';
import type { HttpApp } from '@nudge/service';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { allFields, closedObject, column, errorResponses } from '../schemas.js';

const quietHoursSchema = {
  anyOf: [
    closedObject({
      start: { type: 'string', pattern: HH_MM_PATTERN, description: "HH:MM in the user's time zone" },
      end: { type: 'string', pattern: HH_MM_PATTERN },
      allow_accepted: { type: 'boolean', description: 'still alert for accepted meetings inside quiet hours' },
    }),
    { type: 'null' },
  ],
} as const;

const settingsProperties = {
  lead_seconds: {
    type: 'integer',
    minimum: 60,
    maximum: 86_400,
    description: 'alert this long before the meeting (60 s – 24 h)',
  },
  escalate_after_seconds: {
    type: 'integer',
    minimum: 30,
    maximum: 86_400,
    description: 'call when not acknowledged this long after the push',
  },
  max_call_attempts: { type: 'integer', minimum: 0, maximum: 10 },
  call_retry_seconds: { type: 'integer', minimum: 30, maximum: 3_600 },
  only_accepted: { type: 'boolean' },
  min_attendees: { type: 'integer', minimum: 0, maximum: 10_000 },
  title_keywords: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
  quiet_hours: quietHoursSchema,
  enabled: { type: 'boolean' },
} as const;

const settingsFields = allFields(settingsProperties);

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', ...settingsFields, 'updated_at'],
  properties: {
    id: { type: ['string', 'null'], description: 'null while the user has the defaults, never saved' },
    ...settingsProperties,
    updated_at: { anyOf: [column.dateTime, { type: 'null' }] },
  },
} as const;

const putBody = {
  type: 'object',
  additionalProperties: false,
  required: settingsFields,
  properties: settingsProperties,
} as const;

function view(rule: AlertRuleRow) {
  const { user_id: _user, created_at: _created, ...rest } = rule;
  return rest;
}

/** The caller's alert rule. Changing it re-plans the caller's upcoming meetings. */
export async function ruleRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  restrictTo(app, 'callers');

  // A read never writes: a user who never saved a rule sees the defaults, stored by the first PUT
  // (or by the planner, which needs a rule row for the alerts it creates).
  app.get('/v1/rules', { schema: { response: { 200: ruleSchema, ...errorResponses } } }, async (request) => {
    const rule = await findRule(sql, callerOf(request).userId);
    return rule === undefined ? { id: null, ...DEFAULT_RULE_SETTINGS, updated_at: null } : view(rule);
  });

  app.put(
    '/v1/rules',
    { schema: { body: putBody, response: { 200: ruleSchema, ...errorResponses } } },
    async (request) => {
      const { userId } = callerOf(request);
      const rule = await saveRule(sql, userId, request.body);
      await planUpcomingForUser(sql, userId, clock.now());
      return view(rule);
    },
  );
}
