/** A text message sent through the emulator's Messages resource. */
export interface EmulatedMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  createdAt: Date;
}

/** A validated `POST …/Messages.json`, or the Twilio error it earns. */
export type CreateMessageRequest =
  { ok: true; to: string; from: string; body: string } | { ok: false; code: number; message: string };

const E164 = /^\+[1-9]\d{1,14}$/;
/** Twilio refuses bodies longer than 1600 characters. */
const MAX_BODY = 1600;

export function parseCreateMessage(form: URLSearchParams): CreateMessageRequest {
  const to = form.get('To');
  const from = form.get('From');
  const body = form.get('Body');
  if (to === null || to === '') return { ok: false, code: 21604, message: "A 'To' phone number is required." };
  if (!E164.test(to)) return { ok: false, code: 21211, message: `The 'To' number ${to} is not a valid phone number.` };
  if (from === null || from === '') return { ok: false, code: 21603, message: "A 'From' phone number is required." };
  if (!E164.test(from))
    return { ok: false, code: 21212, message: `The 'From' number ${from} is not a valid phone number.` };
  if (body === null || body === '') return { ok: false, code: 21602, message: 'Message body is required.' };
  if (body.length > MAX_BODY)
    return { ok: false, code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' };
  return { ok: true, to, from, body };
}

/** The Message resource JSON of the 2010-04-01 API. */
export function messageResource(message: EmulatedMessage): Record<string, unknown> {
  const date = message.createdAt.toUTCString().replace('GMT', '+0000');
  return {
    sid: message.sid,
    account_sid: message.accountSid,
    to: message.to,
    from: message.from,
    body: message.body,
    status: 'queued',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    num_segments: String(Math.ceil(message.body.length / 160)),
    num_media: '0',
    date_created: date,
    date_updated: date,
    date_sent: null,
    price: null,
    price_unit: 'USD',
    error_code: null,
    error_message: null,
    messaging_service_sid: null,
    uri: `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}/Media.json` },
  };
}
