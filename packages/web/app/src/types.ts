/**
 * The api's JSON (DESIGN §5) as the pages use it: names for shapes of the generated
 * api-types.generated.ts, never copies of them (`pnpm api-types` regenerates it from the api).
 */
import type { paths } from './api-types.generated.js';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

// `unknown` rather than `never` when a route has no such JSON: a page using it then fails to type-check.

/** The JSON a route answers with `status`. */
type Answer<P extends keyof paths, M extends Method, Status extends number = 200> = paths[P][M] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Json } } };
}
  ? Json
  : unknown;

/** The JSON body a route takes. */
type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer Json } };
}
  ? Json
  : unknown;

export type Me = Answer<'/v1/me', 'get'>;

export type Meeting = Answer<'/v1/meetings', 'get'>[number];

export type AlertState = Answer<'/v1/alerts', 'get'>[number]['state'];

/** An alert with its timeline. */
export type Alert = Answer<'/v1/alerts/{id}', 'get'>;

/** The caller's rule as read: the settings, and when (if ever) they were saved. */
export type Rule = Answer<'/v1/rules', 'get'>;

export type RuleSettings = RequestBody<'/v1/rules', 'put'>;

export type QuietHours = NonNullable<RuleSettings['quiet_hours']>;

export type CalendarStatus = Answer<'/v1/calendar/google', 'get'>;

/** Where to send the browser for Google's consent. */
export type CalendarConnect = Answer<'/v1/calendar/google/connect', 'get'>;

export type VapidPublicKey = Answer<'/v1/push/vapid-public-key', 'get'>;

export type Schedules = Answer<'/v1/admin/schedules', 'get'>;
export type Schedule = Schedules['schedules'][number];

export type SchedulePreview = Answer<'/v1/admin/schedules/{id}/preview', 'get'>;

export type JobRuns = Answer<'/v1/admin/job-runs', 'get'>;
export type JobRun = JobRuns['runs'][number];

export type Instances = Answer<'/v1/admin/instances', 'get'>;
export type Instance = Instances['instances'][number];

export type BrowserSession = Answer<'/v1/me/sessions', 'get'>[number];

export type Member = Answer<'/v1/admin/members', 'get'>[number];

export type Invitation = Answer<'/v1/admin/invitations', 'get'>[number];

/** A verification just sent: where and how, and until when its code counts. */
export type PhoneVerification = Answer<'/v1/me/phone/verifications', 'post', 201>;

export type AccessToken = Answer<'/v1/me/tokens', 'get'>[number];

/** A token just made: the secret is shown this once. */
export type IssuedAccessToken = Answer<'/v1/me/tokens', 'post', 201>;
