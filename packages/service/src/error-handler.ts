import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './http-error.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * ErrorBody as a JSON schema, added once to every HTTP app (`addSchema`): routes refer to it
 * through `errorResponses`, and the OpenAPI document describes it once, as the `Error` component.
 */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

/** A route's error answers (every 4xx and 5xx): the shared `Error` schema. */
export const errorResponses = { '4xx': { $ref: 'Error' }, '5xx': { $ref: 'Error' } } as const;

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
};

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function validationDetails(error: FastifyError): unknown {
  return error.validation?.map((issue) => ({
    path: `${error.validationContext ?? ''}${issue.instancePath}`,
    message: issue.message,
    ...(issue.keyword === 'additionalProperties' ? { property: issue.params.additionalProperty } : {}),
  }));
}

/**
 * Every error leaves in one format, `{"error":{"code","message","details"}}`. Bad input is a
 * 4xx naming what is wrong; only a fault of ours is a 500, and that one is logged.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpError) {
        return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
      }
      if (error.validation !== undefined) {
        return reply.status(400).send(errorBody('validation_failed', error.message, validationDetails(error)));
      }
      // Postgres "data exception" (class 22): a value the client sent that the column cannot take.
      if (
        typeof error.code === 'string' &&
        /^22[0-9A-Z]{3}$/.test(error.code) &&
        (error as { severity?: string }).severity !== undefined
      ) {
        request.log.info(
          { event: 'http.request.invalid_value', pg_code: error.code },
          'a value did not fit its column',
        );
        return reply.status(400).send(errorBody('invalid_value', 'a value in the request is not valid for its field'));
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const code =
          error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? 'invalid_json'
            : (CODE_BY_STATUS[status] ?? 'bad_request');
        return reply.status(status).send(errorBody(code, error.message));
      }
      request.log.error({ event: 'http.request.failed', err: error }, 'request failed');
      return reply
        .status(500)
        .send(errorBody('internal_error', 'something went wrong on our side; it has been logged'));
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'nudge-error-handler' },
);
