/**
 * Typed SDK errors. Every failure the gateway reports arrives as `{ statusCode, code, message, requestId }`
 * and becomes one of these classes (by status), keeping `code`, `status` and `requestId`.
 */
export class LuxKMSError extends Error {
  readonly code: string;
  /** HTTP status; 0 when no response arrived (network failure, timeout). */
  readonly status: number;
  readonly requestId: string | undefined;
  constructor(message: string, code: string, status: number, requestId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

/** 400, 413, 415: the request was malformed. */
export class InvalidRequestError extends LuxKMSError {}
/** 401: no API key, or an unknown or revoked one. */
export class AuthenticationError extends LuxKMSError {}
/** 403: a policy, the environment binding or MFA refused the request. */
export class PermissionDeniedError extends LuxKMSError {}
/** 404 */
export class NotFoundError extends LuxKMSError {}
/** 409: already exists, or a check-and-set (`ifVersion`) lost. */
export class ConflictError extends LuxKMSError {}
/** 410: the version was destroyed. */
export class GoneError extends LuxKMSError {}
/** 429: slow down; `retryAfterSeconds` says for how long. */
export class RateLimitError extends LuxKMSError {
  retryAfterSeconds: number | undefined;
}
/** 5xx: the gateway failed; quote `requestId` when reporting it. */
export class ServerError extends LuxKMSError {}
/** No response: the gateway was unreachable or too slow. */
export class ConnectionError extends LuxKMSError {}

const BY_STATUS: Record<number, typeof LuxKMSError> = {
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: GoneError,
  429: RateLimitError,
};

export function errorFromResponse(status: number, body: unknown, retryAfter: string | null): LuxKMSError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; requestId?: unknown };
  const code = typeof b.code === 'string' ? b.code : `http_${status}`;
  const message = typeof b.message === 'string' ? b.message : `gateway answered HTTP ${status}`;
  const requestId = typeof b.requestId === 'string' ? b.requestId : undefined;
  const Class = BY_STATUS[status] ?? (status >= 500 ? ServerError : InvalidRequestError);
  const error = new Class(message, code, status, requestId);
  if (error instanceof RateLimitError && retryAfter !== null && /^\d+$/.test(retryAfter)) error.retryAfterSeconds = Number(retryAfter);
  return error;
}
