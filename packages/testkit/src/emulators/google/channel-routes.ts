import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http/responses.js';
import { sendGoogleError } from './calendar-failures.js';
import { WatchError, type WatchChannels, type WatchRequest } from './watch-channels.js';
import type { NotificationSender } from './notification-sender.js';

export const WATCH_PATH = /^\/calendar\/v3\/calendars\/([^/]+)\/events\/watch$/;
export const STOP_PATH = '/calendar/v3/channels/stop';

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse((await readBody(req)).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** POST …/events/watch: a channel, then its `sync` message, as Google sends one at creation. */
export async function watchEvents(
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  email: string,
  deps: { channels: WatchChannels; sender: NotificationSender; apiUrl: string },
): Promise<void> {
  const calendarId = decodeURIComponent(WATCH_PATH.exec(url.pathname)?.[1] ?? '');
  if (calendarId !== 'primary' && calendarId !== email) return sendGoogleError(res, 404, 'notFound', 'Not Found');
  const body = await jsonBody(req);
  if (body === undefined) return sendGoogleError(res, 400, 'parseError', 'Parse Error');
  try {
    const resourceUri = `${deps.apiUrl}/calendar/v3/calendars/${encodeURIComponent(email)}/events?alt=json`;
    const channel = deps.channels.watch(email, calendarId, body as unknown as WatchRequest, resourceUri);
    sendJson(res, 200, {
      kind: 'api#channel',
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token === undefined ? {} : { token: channel.token }),
      expiration: String(channel.expiration),
    });
    deps.sender.send(channel, 'sync');
  } catch (error) {
    if (!(error instanceof WatchError)) throw error;
    sendGoogleError(res, error.status, error.reason, error.message);
  }
}

/** POST /calendar/v3/channels/stop {id, resourceId}: 204, or 404 for a channel that is not the caller's. */
export async function stopChannel(
  req: IncomingMessage,
  res: ServerResponse,
  email: string,
  channels: WatchChannels,
): Promise<void> {
  const body = await jsonBody(req);
  if (body === undefined || typeof body.id !== 'string' || typeof body.resourceId !== 'string') {
    return sendGoogleError(res, 400, 'required', 'Required parameter: id, resourceId');
  }
  if (!channels.stop(email, body.id, body.resourceId)) {
    return sendGoogleError(res, 404, 'notFound', `Channel '${body.id}' not found for project`);
  }
  res.writeHead(204);
  res.end();
}
