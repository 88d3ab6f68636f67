/**
 * Node-to-node messages on the MPC protocol stream: a session proposal, a protocol envelope, an abort
 * notice, and a completion report. Decoding is strict: anything malformed is dropped and logged.
 */
import { MalformedError, type PartyId } from '../../protocols/errors.js';
import { decodeWire, encodeWire, type WireValue } from '../../protocols/math/wire.js';
import { decodeEnvelope, encodeEnvelope } from '../../protocols/round/envelope.js';
import type { Envelope } from '../../protocols/round/types.js';
import { PayloadReader } from '../../protocols/round/payload.js';

export type NodeMessage =
  | { type: 'propose'; sessionId: string; ceremony: string; parties: PartyId[]; params: WireValue }
  | { type: 'envelope'; envelope: Envelope }
  | { type: 'abort'; sessionId: string; reason: string; culprits: PartyId[] }
  | { type: 'done'; sessionId: string; summary: WireValue };

export function encodeNodeMessage(message: NodeMessage): Uint8Array {
  switch (message.type) {
    case 'envelope':
      return encodeWire({ type: 'envelope', envelope: encodeEnvelope(message.envelope) });
    default:
      return encodeWire(message as unknown as WireValue);
  }
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function sessionId(r: PayloadReader): string {
  const id = r.string('sessionId', 128);
  if (!SESSION_ID.test(id)) throw new MalformedError('"sessionId" expected 1..128 characters of [A-Za-z0-9._:-]');
  return id;
}

function partyList(r: PayloadReader, field: string): PartyId[] {
  return r.list(field).map((p) => {
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 1) throw new MalformedError(`"${field}" expected positive integers`);
    return p;
  });
}

export function decodeNodeMessage(bytes: Uint8Array): NodeMessage {
  const r = new PayloadReader(decodeWire(bytes), 'node message');
  const type = r.string('type', 16);
  switch (type) {
    case 'envelope':
      return { type, envelope: decodeEnvelope(r.bytes('envelope')) };
    case 'propose':
      return { type, sessionId: sessionId(r), ceremony: r.string('ceremony', 64), parties: partyList(r, 'parties'), params: r.raw('params') };
    case 'abort':
      return { type, sessionId: sessionId(r), reason: r.string('reason', 2048), culprits: partyList(r, 'culprits') };
    case 'done':
      return { type, sessionId: sessionId(r), summary: r.raw('summary') };
    default:
      throw new MalformedError(`unknown node message type "${type}"`);
  }
}
