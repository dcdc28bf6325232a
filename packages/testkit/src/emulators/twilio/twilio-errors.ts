import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/responses.js';

/** Twilio's REST error body: the client turns it into a RestException with these fields. */
export function sendTwilioError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}
