import type { IncomingMessage } from 'node:http';

/** One request an emulator received, as tests read it back. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** The user, endpoint or account the emulator attributed the request to, when known. */
  subject?: string;
  at: Date;
}

export function recordRequest(req: IncomingMessage, url: URL, at: Date): RecordedRequest {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    at,
  };
}
