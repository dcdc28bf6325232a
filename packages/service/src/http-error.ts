/** An expected failure with the HTTP status and error code the client sees. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'validation_failed', message, details);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'you may not do this') => new HttpError(403, 'forbidden', message);
export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
