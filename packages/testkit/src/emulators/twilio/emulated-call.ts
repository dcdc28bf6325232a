import type { RecordedList } from '../http/recorded-list.js';
import type { CallRequest } from './create-call-request.js';

export type CallStatus =
  'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** How the callee behaves; every field optional (default: answers, presses nothing). */
export interface CallBehaviour {
  answer?: 'answered' | 'busy' | 'no-answer' | 'failed';
  /** What the callee keys in at each successive <Gather>; null or '' is a timeout with no input. */
  digits?: (string | null)[];
  /** Every status callback is sent twice. */
  duplicateCallbacks?: boolean;
  /** Status callbacks are held until the call ends, then sent newest first. */
  reorderCallbacks?: boolean;
  /** Pause before each step of the call (ringing, answering, each callback). */
  stepDelayMs?: number;
}

/** One request the emulator made to the application, as Twilio would have made it. */
export interface WebhookDelivery {
  callSid: string;
  kind: 'voice' | 'gather' | 'redirect' | 'status';
  method: 'GET' | 'POST';
  url: string;
  params: Record<string, string>;
  signature: string;
  /** The application's HTTP status, or undefined when it could not be reached. */
  status?: number;
  body?: string;
  error?: string;
}

/** A call as the emulator tracks it, with what happened on it. */
export interface EmulatedCall extends CallRequest {
  sid: string;
  accountSid: string;
  status: CallStatus;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  /** What the callee heard: the text of every <Say>, in order. */
  said: string[];
  /** The Digits posted to each <Gather> action. */
  digitsSent: string[];
  webhooks: RecordedList<WebhookDelivery>;
  /** Settles when the call has ended and every callback was delivered. */
  finished: Promise<void>;
}

/** RFC 2822 with a numeric zone, as the Twilio REST API writes dates. */
function rfc2822(date: Date | undefined): string | null {
  return date === undefined ? null : date.toUTCString().replace('GMT', '+0000');
}

/** The Call resource JSON of the 2010-04-01 API. */
export function callResource(call: EmulatedCall): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`;
  const duration =
    call.startedAt !== undefined && call.endedAt !== undefined
      ? Math.round((call.endedAt.getTime() - call.startedAt.getTime()) / 1000)
      : undefined;
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    status: call.status,
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.updatedAt),
    start_time: rfc2822(call.startedAt),
    end_time: rfc2822(call.endedAt),
    duration: duration === undefined ? null : String(duration),
    price: null,
    price_unit: 'USD',
    answered_by: null,
    caller_name: null,
    forwarded_from: null,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    queue_time: '0',
    trunk_sid: null,
    uri,
    subresource_uris: {
      notifications: uri.replace('.json', '/Notifications.json'),
      recordings: uri.replace('.json', '/Recordings.json'),
    },
  };
}

export function twilioDate(date: Date): string {
  return rfc2822(date) ?? '';
}
