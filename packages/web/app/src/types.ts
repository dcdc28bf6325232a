/**
 * The api's JSON (DESIGN §5) as the pages use it: names for shapes of the generated
 * api-types.generated.ts, never copies of them (`pnpm api-types` regenerates it from the api).
 */
import type { paths } from './api-types.generated.js';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** The JSON a route answers with `status`. */
type Answer<P extends keyof paths, M extends Method, Status extends number = 200> = paths[P][M] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Json } } };
}
  ? Json
  : never;

/** The JSON body a route takes. */
type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer Json } } } ? Json : never;

export type Me = Answer<'/v1/me', 'get'>;

export type Meeting = Answer<'/v1/meetings', 'get'>[number];

export type AlertState = Answer<'/v1/alerts', 'get'>[number]['state'];

/** An alert with its timeline. */
export type Alert = Answer<'/v1/alerts/{id}', 'get'>;

export type RuleSettings = RequestBody<'/v1/rules', 'put'>;

export type QuietHours = NonNullable<RuleSettings['quiet_hours']>;

export type CalendarStatus = Answer<'/v1/calendar/google', 'get'>;

export type Schedule = Answer<'/v1/admin/schedules', 'get'>['schedules'][number];

export type JobRun = Answer<'/v1/admin/job-runs', 'get'>['runs'][number];

export type Instance = Answer<'/v1/admin/instances', 'get'>['instances'][number];
