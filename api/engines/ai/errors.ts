/**
 * Errors of the AI engine. Most map onto the gateway's error kinds; three conditions have no kind there,
 * so they carry their HTTP status themselves: an exhausted budget (402, so clients do not retry it like a
 * 429), and a provider that failed (502) or did not answer in time (504).
 */
import { GatewayError, type ErrorKind } from '../../server/errors.js';

export class AiStatusError extends GatewayError {
  readonly #status: number;
  constructor(status: 402 | 502 | 504, kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(kind, code, message, options);
    this.name = 'AiStatusError';
    this.#status = status;
  }
  override get statusCode(): number {
    return this.#status;
  }
}

export const budgetExceeded = (message: string) => new AiStatusError(402, 'rate_limited', 'budget_exceeded', message);
export const providerFailed = (code: string, message: string, cause?: unknown) => new AiStatusError(502, 'unavailable', code, message, { cause });
export const providerTimeout = (message: string) => new AiStatusError(504, 'unavailable', 'provider_timeout', message);

/** A 429 that also says when to come back (sent as `retry-after`). */
export class AiRateLimitError extends GatewayError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', code, message);
    this.name = 'AiRateLimitError';
  }
}

/** A genuine token that may no longer be used (revoked, expired): its id is known, so refusals name it. */
export class AiTokenRefusedError extends GatewayError {
  constructor(
    readonly tokenId: string,
    code: string,
    message: string,
  ) {
    super('unauthenticated', code, message);
    this.name = 'AiTokenRefusedError';
  }
}
