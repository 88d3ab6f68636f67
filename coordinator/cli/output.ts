/**
 * CLI output and exit codes in one place: `--json` prints exactly one JSON object on stdout; errors go to
 * stderr (and, with --json, as `{ error: { code, message } }` on stdout). Exit 0 only on success, 2 for the
 * caller's mistakes, 3 when a party misbehaved or was unreachable, 1 for anything else.
 */
import { InvalidInputError, ProtocolAbort, TransportError } from '../../protocols/errors.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function usage(message: string): CliError {
  return new CliError(message, 2, 'invalid_input');
}

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof InvalidInputError) return new CliError(error.message, 2, error.code);
  if (error instanceof ProtocolAbort) return new CliError(error.message, 3, error.code, { culprits: error.culprits, round: error.round });
  if (error instanceof TransportError) return new CliError(error.message, 3, error.code, { parties: error.parties });
  return new CliError((error as Error)?.message ?? String(error), 1, 'error');
}

export interface Output {
  json: boolean;
  /** The command's result: JSON object or a human summary. */
  result(value: Record<string, unknown>, human?: string): void;
  /** Progress for people; silent with --json. */
  progress(line: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? JSON.stringify(value) + '\n' : (human ?? JSON.stringify(value, null, 2)) + '\n');
    },
    progress(line) {
      if (!json) process.stderr.write(line + '\n');
    },
  };
}
