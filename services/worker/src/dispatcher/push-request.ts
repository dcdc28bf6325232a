import { request, type Agent } from 'node:https';
import { WebPushError, type RequestDetails } from 'web-push';

/** The push service gave no complete answer before the deadline; the connection was closed. */
export class PushTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'PushTimeoutError';
  }
}

/** An error body longer than this is cut: it is only quoted in logs. */
const MAX_BODY_CHARS = 4096;

/**
 * Sends a request prepared by web-push (`generateRequestDetails`) and answers as
 * `webpush.sendNotification` does — the response on 2xx, a WebPushError otherwise — except that
 * `timeoutMs` is a deadline for the whole exchange that closes the connection: web-push's own
 * timeout only ends a socket that stays idle, so an endpoint answering a byte at a time, or
 * one that never finishes the TLS handshake, kept the request and its socket open.
 */
export function sendPushRequest(
  details: RequestDetails,
  options: { timeoutMs: number; agent?: Agent },
): Promise<{ statusCode: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      details.endpoint,
      {
        method: details.method,
        headers: details.headers,
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY_CHARS) body += chunk.slice(0, MAX_BODY_CHARS - body.length);
        });
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          if (statusCode < 200 || statusCode > 299)
            reject(
              new WebPushError(
                'Received unexpected response code',
                statusCode,
                res.headers as Record<string, string>,
                body,
                details.endpoint,
              ),
            );
          else resolve({ statusCode, body });
        });
        res.on('error', (err) => reject(timedOut(err, options.timeoutMs)));
      },
    );
    req.on('error', (err) => reject(timedOut(err, options.timeoutMs)));
    req.end(details.body ?? undefined);
  });
}

function timedOut(err: Error, timeoutMs: number): Error {
  return err.name === 'AbortError' || err.name === 'TimeoutError' ? new PushTimeoutError(timeoutMs) : err;
}
