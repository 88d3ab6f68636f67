/**
 * Domain errors of the gateway and their one mapping to HTTP.
 *
 * Services throw these (they know nothing of HTTP); the error handler in `error-handler.ts` turns each
 * `kind` into a status code. Anything that is not one of these, and not a caller mistake Fastify itself
 * detected, is a bug: it becomes a 500 with a fixed message, and the details go only to the log.
 */
import { InvalidInputError } from '../../protocols/errors.js';

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'rate_limited'
  | 'unavailable';

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unavailable: 503,
};

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.kind = kind;
    this.code = code;
  }
  get statusCode(): number {
    return STATUS_OF_KIND[this.kind];
  }
}

export const notFound = (code: string, message: string) => new GatewayError('not_found', code, message);
export const conflict = (code: string, message: string) => new GatewayError('conflict', code, message);
export const forbidden = (code: string, message: string) => new GatewayError('forbidden', code, message);
export const invalid = (code: string, message: string) => new GatewayError('invalid', code, message);

/** The audit log could not record the request, so the request must not take effect. */
export class AuditUnavailableError extends GatewayError {
  constructor(cause: unknown) {
    super('unavailable', 'audit_unavailable', 'the audit log is unavailable; the operation was not performed', { cause });
    this.name = 'AuditUnavailableError';
  }
}

/**
 * A stored record failed authentication under the barrier key: it was edited, moved to another path, or
 * written under another key. The message names the path for the operator's log; callers see a generic 500.
 */
export class BarrierIntegrityError extends Error {
  readonly code = 'barrier_integrity';
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super(`stored record at "${path}" failed to decrypt: it was modified, moved from another path, or sealed under another barrier key`, options);
    this.name = 'BarrierIntegrityError';
    this.path = path;
  }
}

export { InvalidInputError };
