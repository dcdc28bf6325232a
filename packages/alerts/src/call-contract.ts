/**
 * The contract between the worker, which places escalation calls, and the calls role, which
 * answers Twilio's webhooks for them: the routes, the URLs the worker hands Twilio, and how the
 * calls role reads them back. Every call URL names the alert and the attempt, so a callback can
 * be tied to its attempt before the worker has recorded the CallSid.
 */

/** One call attempt of one alert: attempt n is the n-th call placed for it, from 1. */
export interface AttemptRef {
  alertId: string;
  attempt: number;
}

/** Attempt numbers fit in three digits; rules allow far fewer attempts. */
export const MAX_ATTEMPT = 999;
const ATTEMPT_PATTERN = '^[1-9][0-9]{0,2}$';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The calls role's routes (fastify path syntax). */
export const CALL_ROUTES = {
  /** TwiML for the call: the reminder and a `<Gather>`. */
  voice: '/twilio/voice/alerts/:alertId',
  /** The `<Gather>` result: `Digits=1` acknowledges. */
  gather: '/twilio/voice/alerts/:alertId/gather',
  /** Twilio's call status callbacks. */
  status: '/twilio/status',
} as const;

/** JSON schemas of the routes' params and query strings, as the calls role validates them. */
export const CALL_ROUTE_SCHEMAS = {
  alertParams: {
    type: 'object',
    required: ['alertId'],
    properties: { alertId: { type: 'string', format: 'uuid' } },
  },
  attemptQuery: {
    type: 'object',
    properties: { attempt: { type: 'string', pattern: ATTEMPT_PATTERN } },
  },
  statusQuery: {
    type: 'object',
    properties: { alert_id: { type: 'string', format: 'uuid' }, attempt: { type: 'string', pattern: ATTEMPT_PATTERN } },
  },
} as const;

function alertPath(alertId: string): string {
  return CALL_ROUTES.voice.replace(':alertId', encodeURIComponent(alertId));
}

/** The TwiML URL and the status callback URL the worker gives Twilio for one attempt. */
export function callUrls(callsPublicUrl: string, ref: AttemptRef): { url: string; statusCallback: string } {
  const attempt = new URLSearchParams({ attempt: String(ref.attempt) });
  const status = new URLSearchParams({ alert_id: ref.alertId, attempt: String(ref.attempt) });
  return {
    url: `${callsPublicUrl}${alertPath(ref.alertId)}?${attempt}`,
    statusCallback: `${callsPublicUrl}${CALL_ROUTES.status}?${status}`,
  };
}

/** Where the `<Gather>` of an attempt's TwiML posts the keypress; the attempt travels along when known. */
export function gatherUrl(callsPublicUrl: string, alertId: string, attempt: number | undefined): string {
  const query = attempt === undefined ? '' : `?${new URLSearchParams({ attempt: String(attempt) })}`;
  return `${callsPublicUrl}${CALL_ROUTES.gather.replace(':alertId', encodeURIComponent(alertId))}${query}`;
}

export class InvalidCallUrlError extends Error {
  override readonly name = 'InvalidCallUrlError';
}

/** An attempt number from a query string: undefined when absent, an error when malformed. */
export function parseAttempt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!new RegExp(ATTEMPT_PATTERN).test(value))
    throw new InvalidCallUrlError(`attempt must be a whole number from 1 to ${MAX_ATTEMPT}, not "${value}"`);
  return Number(value);
}

/** The attempt a status callback URL names (absent parts stay undefined); malformed parts are an error. */
export function parseStatusCallbackQuery(query: { alert_id?: string; attempt?: string }): Partial<AttemptRef> {
  if (query.alert_id !== undefined && !UUID.test(query.alert_id))
    throw new InvalidCallUrlError(`alert_id must be a uuid, not "${query.alert_id}"`);
  return { alertId: query.alert_id, attempt: parseAttempt(query.attempt) };
}
