/**
 * The small set of named errors shared by every layer. Each carries a stable `code`
 * so HTTP (4xx/5xx) and CLI (exit codes) mappings are decided in one place each.
 */

export type PartyId = number;

/** The caller's mistake: a bad argument, config value or request field (HTTP 4xx, CLI exit 2). */
export class InvalidInputError extends Error {
  readonly code: string;
  constructor(message: string, code = 'invalid_input') {
    super(message);
    this.name = 'InvalidInputError';
    this.code = code;
  }
}

/**
 * A protocol run stopped because a party misbehaved (or, for `culprits: []`, because the failure could not be
 * attributed). `culprits` names exactly the parties whose messages failed a check; `evidence` keeps what proves it.
 */
export class ProtocolAbort extends Error {
  readonly code = 'protocol_abort';
  readonly reason: string;
  readonly round: number;
  readonly culprits: readonly PartyId[];
  readonly evidence: unknown;
  constructor(reason: string, round: number, culprits: readonly PartyId[], evidence?: unknown) {
    super(`${reason} (round ${round}, blamed: ${culprits.length ? culprits.join(', ') : 'nobody'})`);
    this.name = 'ProtocolAbort';
    this.reason = reason;
    this.round = round;
    this.culprits = [...culprits].sort((a, b) => a - b);
    this.evidence = evidence;
  }
}

/** A peer was unreachable or too slow; `parties` names who. Retry elsewhere or fail. */
export class TransportError extends Error {
  readonly code: string;
  readonly parties: readonly PartyId[];
  constructor(message: string, parties: readonly PartyId[] = [], code = 'transport_error') {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.parties = parties;
  }
}

/** A message or stored record that does not decode or has the wrong shape. */
export class MalformedError extends Error {
  readonly code = 'malformed';
  constructor(message: string) {
    super(message);
    this.name = 'MalformedError';
  }
}

/** An invariant of ours broke: a bug. Logged with context, never shown to callers. */
export class InternalError extends Error {
  readonly code = 'internal_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}
