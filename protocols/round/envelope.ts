/** Canonical encoding, signing digest and strict decoding of protocol envelopes. */
import { createHash } from 'node:crypto';
import { MalformedError } from '../errors.js';
import { decodeWire, encodeWire, type WireValue } from '../math/wire.js';
import type { EchoAttachment, Envelope } from './types.js';

const MAX_SIGNATURE_BYTES = 128;

function header(env: Omit<Envelope, 'signature'>): WireValue {
  return {
    v: 1,
    sid: env.sessionId,
    protocol: env.protocol,
    round: env.round,
    kind: env.kind,
    from: env.from,
    to: env.to,
    payload: env.payload,
    ...(env.echo ? { echo: { round: env.echo.round, entries: env.echo.entries } } : {}),
  };
}

/**
 * SHA-256 of everything but the signature: what the sender signs and what echoes compare. Node's hash, not a
 * JavaScript one: every envelope is hashed by its sender and each receiver, so this is on the hot path.
 */
export function envelopeDigest(env: Omit<Envelope, 'signature'>): Uint8Array {
  return new Uint8Array(createHash('sha256').update(encodeWire(header(env))).digest());
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  return encodeWire({ envelope: header(env), signature: env.signature });
}

function isPartyId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const outer = decodeWire(bytes);
  if (!isMap(outer) || !isMap(outer.envelope) || !(outer.signature instanceof Uint8Array)) {
    throw new MalformedError('envelope expected { envelope, signature }');
  }
  const h = outer.envelope;
  const signature = outer.signature;
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES) throw new MalformedError('envelope signature has a bad length');
  if (h.v !== 1) throw new MalformedError(`envelope version expected 1, got ${String(h.v)}`);
  if (typeof h.sid !== 'string' || h.sid.length === 0 || h.sid.length > 256) throw new MalformedError('envelope "sid" expected a non-empty string');
  if (typeof h.protocol !== 'string' || h.protocol.length === 0 || h.protocol.length > 64) throw new MalformedError('envelope "protocol" expected a non-empty string');
  if (typeof h.round !== 'number' || !Number.isSafeInteger(h.round) || h.round < 1) throw new MalformedError('envelope "round" expected a positive integer');
  if (h.kind !== 'message' && h.kind !== 'echo') throw new MalformedError('envelope "kind" expected "message" or "echo"');
  if (!isPartyId(h.from)) throw new MalformedError('envelope "from" expected a positive integer');
  if (h.to !== null && !isPartyId(h.to)) throw new MalformedError('envelope "to" expected a positive integer or null');
  if (!('payload' in h)) throw new MalformedError('envelope has no payload');
  const echo = h.echo === undefined ? undefined : decodeAttachment(h.echo);
  return {
    sessionId: h.sid,
    protocol: h.protocol,
    round: h.round,
    kind: h.kind,
    from: h.from,
    to: h.to,
    payload: h.payload!,
    ...(echo ? { echo } : {}),
    signature,
  };
}

/** Only the frame here; the entries are checked against the round they echo by the engine. */
function decodeAttachment(value: WireValue): EchoAttachment {
  if (!isMap(value) || !('entries' in value)) throw new MalformedError('envelope "echo" expected { round, entries }');
  if (typeof value.round !== 'number' || !Number.isSafeInteger(value.round) || value.round < 1) {
    throw new MalformedError('envelope "echo.round" expected a positive integer');
  }
  return { round: value.round, entries: value.entries! };
}

function isMap(v: WireValue | undefined): v is { [key: string]: WireValue } {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}
