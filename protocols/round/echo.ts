/**
 * Broadcast equivocation check. After a round's broadcasts are in, every party sends an echo listing, for
 * each sender, the digest of the broadcast it received and the sender's signature on it. Two different
 * digests both validly signed by a sender convict that sender; a digest the sender never signed convicts
 * the party that echoed it.
 */
import { MalformedError, ProtocolAbort, type PartyId } from '../errors.js';
import type { WireValue } from '../math/wire.js';
import type { PartyAuthenticator } from './types.js';

export interface EchoEntry {
  party: PartyId;
  digest: Uint8Array;
  signature: Uint8Array;
}

export function encodeEcho(entries: readonly EchoEntry[]): WireValue {
  return entries.map((e) => [e.party, e.digest, e.signature]);
}

export function decodeEcho(payload: WireValue, expectedParties: readonly PartyId[]): EchoEntry[] {
  if (!Array.isArray(payload) || payload.length !== expectedParties.length) {
    throw new MalformedError(`echo expected ${expectedParties.length} entries`);
  }
  return payload.map((item, i) => {
    if (!Array.isArray(item) || item.length !== 3) throw new MalformedError(`echo entry ${i} expected [party, digest, signature]`);
    const [party, digest, signature] = item;
    if (party !== expectedParties[i]) throw new MalformedError(`echo entry ${i} expected party ${expectedParties[i]}`);
    if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new MalformedError(`echo entry ${i} digest expected 32 bytes`);
    if (!(signature instanceof Uint8Array) || signature.length === 0 || signature.length > 128) {
      throw new MalformedError(`echo entry ${i} signature has a bad length`);
    }
    return { party, digest, signature };
  });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Compare `echoer`'s echo with ours; throws a `ProtocolAbort` naming whoever lied. */
export function checkEcho(
  round: number,
  echoer: PartyId,
  mine: readonly EchoEntry[],
  theirs: readonly EchoEntry[],
  auth: PartyAuthenticator,
): void {
  for (let i = 0; i < mine.length; i++) {
    const own = mine[i]!;
    const other = theirs[i]!;
    if (equalBytes(own.digest, other.digest)) continue;
    const sender = own.party;
    // The sender's own signed echo naming another broadcast than the one it signed to us is equivocation too.
    if (sender === echoer) {
      throw new ProtocolAbort('broadcast equivocation: the sender echoes another broadcast than the one it signed to us', round, [sender], {
        sender,
        digests: [own.digest, other.digest],
        signature: own.signature,
      });
    }
    if (auth.verify(sender, other.digest, other.signature)) {
      throw new ProtocolAbort('broadcast equivocation: two different signed broadcasts', round, [sender], {
        sender,
        digests: [own.digest, other.digest],
        signatures: [own.signature, other.signature],
      });
    }
    throw new ProtocolAbort('echo names a broadcast its sender never signed', round, [echoer], { echoer, entry: other });
  }
}
