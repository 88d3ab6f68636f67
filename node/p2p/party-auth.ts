/**
 * Signs this node's protocol envelopes with its Ed25519 identity and checks other members' signatures with
 * the public keys embedded in their peer ids (parsed once, not per message).
 */
import type { PartyId } from '../../protocols/errors.js';
import type { PartyAuthenticator } from '../../protocols/round/types.js';
import { publicKeyFromPeerId, sign, verify, type PartyIdentity } from './identity.js';

export function createPartyAuthenticator(identity: PartyIdentity, members: ReadonlyMap<PartyId, string>): PartyAuthenticator {
  const publicKeys = new Map<PartyId, Uint8Array>();
  for (const [party, peerId] of members) publicKeys.set(party, publicKeyFromPeerId(peerId));
  return {
    sign: (digest) => sign(identity.privateKey, digest),
    verify: (party, digest, signature) => {
      const key = publicKeys.get(party);
      return key !== undefined && verify(key, digest, signature);
    },
  };
}
