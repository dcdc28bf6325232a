/** What a `POST …/Calls.json` asks for. */
export interface CallRequest {
  to: string;
  from: string;
  url: string | undefined;
  method: 'GET' | 'POST';
  twiml: string | undefined;
  statusCallback: string | undefined;
  statusCallbackMethod: 'GET' | 'POST';
  statusCallbackEvents: string[];
  timeout: number;
}

/** A validated request, or the Twilio error it earns. */
export type CreateCallRequest = { ok: true; request: CallRequest } | { ok: false; code: number; message: string };

const E164 = /^\+[1-9]\d{1,14}$/;
const STATUS_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);

export function parseCreateCall(form: URLSearchParams): CreateCallRequest {
  const to = form.get('To');
  const from = form.get('From');
  if (to === null || to === '') return { ok: false, code: 21201, message: "No 'To' number is specified" };
  if (!E164.test(to)) return { ok: false, code: 21211, message: `Invalid 'To' Phone Number: ${to}` };
  if (from === null || from === '') return { ok: false, code: 21213, message: "No 'From' number is specified" };
  if (!E164.test(from)) return { ok: false, code: 21212, message: `Invalid 'From' Phone Number: ${from}` };
  const url = form.get('Url') ?? undefined;
  const twiml = form.get('Twiml') ?? undefined;
  if (url === undefined && twiml === undefined)
    return { ok: false, code: 21205, message: 'Url parameter is required.' };
  if (url !== undefined && !isHttpUrl(url))
    return { ok: false, code: 21205, message: `Url is not a valid URL: ${url}` };
  const statusCallback = form.get('StatusCallback') ?? undefined;
  if (statusCallback !== undefined && !isHttpUrl(statusCallback))
    return { ok: false, code: 21609, message: `StatusCallback is not a valid URL: ${statusCallback}` };
  const statusCallbackEvents = form
    .getAll('StatusCallbackEvent')
    .flatMap((value) => value.split(' '))
    .filter((event) => event !== '');
  const unknown = statusCallbackEvents.find((event) => !STATUS_EVENTS.has(event));
  if (unknown !== undefined) return { ok: false, code: 21626, message: `Invalid StatusCallbackEvent: ${unknown}` };
  const timeout = Number(form.get('Timeout') ?? 60);
  if (!Number.isInteger(timeout) || timeout < 1)
    return { ok: false, code: 21216, message: `Invalid Timeout: ${form.get('Timeout') ?? ''}` };
  const request: CallRequest = {
    to,
    from,
    url,
    method: httpMethod(form.get('Method')),
    twiml,
    statusCallback,
    statusCallbackMethod: httpMethod(form.get('StatusCallbackMethod')),
    statusCallbackEvents,
    // Twilio clamps the ring time to 600 s rather than refusing it.
    timeout: Math.min(timeout, 600),
  };
  return { ok: true, request };
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

function httpMethod(value: string | null): 'GET' | 'POST' {
  return value?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}
