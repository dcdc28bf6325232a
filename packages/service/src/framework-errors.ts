import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@nudge/logger';
import { errorBody } from './error-handler.js';

/** What fastify's router refuses before any route or hook runs: answered in the documented format. */
const ROUTER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url', message: 'the path is not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'uri_too_long',
    message: 'a path parameter is longer than the server accepts',
  },
};

/** fastify's `frameworkErrors`: bad percent-encoding in the path, an over-long path parameter. */
export function frameworkErrorReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = ROUTER_ERRORS[error.code];
  reply.header('x-request-id', request.id);
  if (known === undefined) {
    request.log.error({ event: 'http.request.failed', err: error }, 'request failed in the router');
    void reply.status(500).send(errorBody('internal_error', 'something went wrong on our side; it has been logged'));
    return;
  }
  void reply.status(known.status).send(errorBody(known.code, known.message));
}

/** What Node's HTTP parser refuses (oversized headers, a timeout, bytes that are not HTTP): the status and the body. */
function clientErrorResponse(err: NodeJS.ErrnoException): { status: number; body: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, body: JSON.stringify(errorBody('request_timeout', 'the request took too long to arrive')) };
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      body: JSON.stringify(
        errorBody('headers_too_large', 'the request line and headers are larger than the server accepts'),
      ),
    };
  }
  return { status: 400, body: JSON.stringify(errorBody('bad_request', 'the request is not valid HTTP')) };
}

/**
 * fastify's `clientErrorHandler`: the socket-level answer, written by hand as Node would, but in
 * the documented format. Logged at debug: a client's malformed bytes need no action, and at
 * info a flood of them would bury the logs.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, body } = clientErrorResponse(err);
    logger.debug(
      { event: 'http.client_error', status, error_code: err.code },
      'a request was refused before it could be parsed',
    );
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
