/**
 * The peer for our FROST: noble's BIP-340 FROST (`schnorr_FROST`) called directly, every party in this process,
 * no envelopes, no network. Every signer aggregates, as every party of our signing protocol ends with the signature.
 */
import { schnorr_FROST } from '@noble/curves/secp256k1.js';
import type { Key } from '@noble/curves/abstract/frost.js';

const frost = schnorr_FROST;

/** A `threshold`-of-`parties` key by noble's three DKG rounds. */
export function nobleFrostKeys(parties: number, threshold: number): Key[] {
  const ids = Array.from({ length: parties }, (_, i) => frost.Identifier.fromNumber(i + 1));
  const round1 = ids.map((id) => frost.DKG.round1(id, { min: threshold, max: parties }));
  const others = (i: number) => round1.filter((_, j) => j !== i).map((r) => r.public);
  const round2 = round1.map((r, i) => frost.DKG.round2(r.secret, others(i)));
  return round1.map((r, i) => frost.DKG.round3(r.secret, others(i), round2.filter((_, j) => j !== i).map((out) => out[ids[i]!]!)));
}

/** The first `signers` keys sign `message`: commit, sign shares, and every signer aggregates. */
export function nobleFrostSign(keys: Key[], signers: number, message: Uint8Array): Uint8Array {
  const signing = keys.slice(0, signers);
  const rounds = signing.map((k) => frost.commit(k.secret));
  const list = rounds.map((r) => r.commitments);
  const shares: Record<string, Uint8Array> = {};
  signing.forEach((k, i) => (shares[k.secret.identifier] = frost.signShare(k.secret, k.public, rounds[i]!.nonces, list, message)));
  let signature = new Uint8Array();
  for (const k of signing) signature = frost.aggregate(k.public, list, message, shares);
  return signature;
}
