/**
 * A sealed blob could not be opened or produced at run time. Configuration mistakes found while opening a seal
 * (missing library, unknown token, wrong PIN) are `InvalidInputError`s instead: they are the operator's to fix.
 *
 * Codes: `unseal_failed` (authentication failed: the blob was altered, moved to another record, or sealed under
 * another key), `seal_closed` (used after close()), `hsm_error` (the HSM refused an operation that should work).
 */
export type SealErrorCode = 'unseal_failed' | 'seal_closed' | 'hsm_error';

export class SealError extends Error {
  readonly code: SealErrorCode;
  constructor(message: string, code: SealErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealError';
    this.code = code;
  }
}
