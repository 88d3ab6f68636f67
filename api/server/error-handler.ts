/**
 * The one error format, `{ statusCode, code, message, requestId }`, for every failure of every route.
 * Caller mistakes keep their message (it names the field and the expectation); anything else is a bug,
 * answered with a fixed 500 message while the details go to the log under the same request id.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../protocols/errors.js';
import { GatewayError } from './errors.js';

interface PublicError {
  statusCode: number;
  code: string;
  message: string;
}

// Fastify's own client-error codes, renamed to ours; any other 4xx it raises becomes `bad_request`.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_json_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_request',
  FST_ERR_BAD_URL: 'bad_url',
};

const MAX_MESSAGE = 500;

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Validation messages that name the field: `"body.tags[0]" must match pattern …`, `"body": unknown property "x"`. */
export function formatValidationErrors(errors: readonly SchemaError[], dataVar: string): Error {
  const e = errors[0];
  if (!e) return new Error(`"${dataVar}" is invalid`);
  const field = dataVar + e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return new Error(`"${field}": unknown property "${String(e.params.additionalProperty).slice(0, 64)}"`);
  if (e.keyword === 'required') return new Error(`"${field}": missing property "${String(e.params.missingProperty)}"`);
  return new Error(`"${field}" ${e.message ?? 'is invalid'}`);
}

export function toPublicError(error: unknown): PublicError {
  if (error instanceof GatewayError) return { statusCode: error.statusCode, code: error.code, message: error.message };
  if (error instanceof InvalidInputError) return { statusCode: 400, code: error.code, message: error.message };
  const e = error as Partial<FastifyError> & { validation?: unknown };
  if (e.validation) return { statusCode: 400, code: 'invalid_request', message: String(e.message).slice(0, MAX_MESSAGE) };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      statusCode: e.statusCode,
      code: (e.code && FASTIFY_CODES[e.code]) ?? (e.statusCode === 429 ? 'rate_limited' : 'bad_request'),
      message: String(e.message ?? 'bad request').slice(0, MAX_MESSAGE),
    };
  }
  return { statusCode: 500, code: 'internal_error', message: 'internal error; quote the request id when reporting it' };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => {
    const pub = toPublicError(error);
    if (pub.statusCode >= 500) req.log.error({ err: error }, 'request failed');
    else req.log.info({ code: pub.code, statusCode: pub.statusCode }, pub.message);
    req.errorCode = pub.code;
    return reply.code(pub.statusCode).send({ ...pub, requestId: req.id });
  });

  app.setNotFoundHandler((req: FastifyRequest, reply) => {
    req.errorCode = 'route_not_found';
    return reply.code(404).send({ statusCode: 404, code: 'route_not_found', message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`, requestId: req.id });
  });
}
