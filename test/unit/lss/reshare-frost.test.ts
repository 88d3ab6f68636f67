/**
 * LSS resharing of FROST keys (RFC 9591 and BIP-340/Taproot): after each reshare every quorum of the new committee
 * signs, the signature verifies under the original group key (for Taproot: the original output key, spent from the
 * original P2TR address), and old and new shares mixed cannot sign.
 */
import { randomBytes } from 'node:crypto';
import { p2tr } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import type { PartyId } from '../../../protocols/errors.js';
import { scalarFromBytes } from '../../../protocols/math/curve.js';
import { deserializeKeyShare, serializeKeyShare, verifyFrostSignature, type FrostKeyShare, type FrostProtocol } from '../../../protocols/frost/index.js';
import { frostDealerSecret, frostResharePlan, toFrostKeyShare, type ReshareTarget } from '../../../protocols/lss/index.js';
import { interpolate, reshareOk, subsets } from '../../helpers/lss.js';
import { keygen, sign, signOutcome } from '../frost/harness.js';
import { finalizeAndVerify, keyPathSpend } from '../frost/taproot-spend.js';
import { nobleVerify, tinyVerify } from '../frost/verifiers.js';

const PROTOCOLS: FrostProtocol[] = ['frost', 'frost-taproot'];

/** Reshare `shares` (every old party's share) to `target`; returns the new committee's FROST shares. */
function reshare(shares: ReadonlyMap<PartyId, FrostKeyShare>, target: ReshareTarget): Map<PartyId, FrostKeyShare> {
  const plan = frostResharePlan(shares.get(target.dealers[0]!)!, target);
  const secrets = new Map(target.dealers.map((d) => [d, frostDealerSecret(shares.get(d)!)]));
  const results = reshareOk(plan, secrets);
  const next = new Map<PartyId, FrostKeyShare>();
  for (const p of target.parties) next.set(p, toFrostKeyShare(results.get(p)!));
  return next;
}

/** The same key as `original`: group key, internal key, P2TR address; the shares interpolate to the same secret. */
function expectSameKey(original: ReadonlyMap<PartyId, FrostKeyShare>, next: ReadonlyMap<PartyId, FrostKeyShare>, target: ReshareTarget, generation: number): void {
  const before = original.values().next().value!;
  for (const [party, share] of next) {
    expect([share.self, share.threshold, share.parties, share.generation]).toEqual([party, target.threshold, [...target.parties].sort((a, b) => a - b), generation]);
    expect(deserializeKeyShare(serializeKeyShare(share))).toEqual(share);
    expect(Buffer.from(share.publicKey).equals(Buffer.from(before.publicKey))).toBe(true);
    if (share.protocol === 'frost-taproot') {
      expect(Buffer.from(share.internalKey!).equals(Buffer.from(before.internalKey!))).toBe(true);
      expect(p2tr(share.internalKey!).address).toBe(p2tr(before.internalKey!).address);
    }
  }
  const secret = (shares: ReadonlyMap<PartyId, FrostKeyShare>, ids: readonly PartyId[]) =>
    interpolate(new Map(ids.map((p) => [p, scalarFromBytes(shares.get(p)!.secretShare)])));
  const oldQuorum = before.parties.slice(0, before.threshold);
  expect(secret(next, target.parties.slice(0, target.threshold))).toBe(secret(original, oldQuorum));
}

/** Every t′-subset of the new committee signs; each signature verifies under the original key, by three verifiers. */
function everyQuorumSigns(original: ReadonlyMap<PartyId, FrostKeyShare>, next: ReadonlyMap<PartyId, FrostKeyShare>): number {
  const key = original.values().next().value!;
  const { threshold, parties } = next.values().next().value!;
  let count = 0;
  for (const signers of subsets(parties, threshold)) {
    if (key.protocol === 'frost-taproot') {
      const spend = keyPathSpend(key.internalKey!, key.publicKey);
      const signature = sign(next, signers, spend.sighash);
      expect(verifyFrostSignature('frost-taproot', signature, spend.sighash, key.publicKey)).toBe(true);
      expect(tinyVerify('frost-taproot', signature, spend.sighash, key.publicKey)).toBe(true);
      finalizeAndVerify(spend, signature);
    } else {
      const message = Uint8Array.from(randomBytes(32));
      const signature = sign(next, signers, message);
      expect(nobleVerify('frost', signature, message, key.publicKey)).toBe(true);
      expect(tinyVerify('frost', signature, message, key.publicKey)).toBe(true);
    }
    count++;
  }
  return count;
}

describe.each(PROTOCOLS)('LSS reshare of a %s key', (protocol) => {
  it('2-of-3 → 3-of-5: all 10 new quorums sign under the original key', () => {
    const original = keygen(protocol, 2, 3);
    const target = { dealers: [1, 3], threshold: 3, parties: [1, 2, 3, 4, 5] };
    const next = reshare(original, target);
    expectSameKey(original, next, target, 1);
    expect(everyQuorumSigns(original, next)).toBe(10);
  });

  it('3-of-5 → 2-of-3 with two dealers leaving and a new party joining', () => {
    const original = keygen(protocol, 3, 5);
    const target = { dealers: [1, 2, 4], threshold: 2, parties: [2, 5, 6] };
    const next = reshare(original, target);
    expectSameKey(original, next, target, 1);
    expect(everyQuorumSigns(original, next)).toBe(3);
  });

  it('2-of-3 → 2-of-3 onto a disjoint committee', () => {
    const original = keygen(protocol, 2, 3);
    const target = { dealers: [2, 3], threshold: 2, parties: [4, 5, 6] };
    const next = reshare(original, target);
    expectSameKey(original, next, target, 1);
    expect(everyQuorumSigns(original, next)).toBe(3);
  });

  it('three reshares in a row: every committee signs under the original key, generations 1, 2, 3', () => {
    const original = keygen(protocol, 2, 3);
    const chain: ReshareTarget[] = [
      { dealers: [1, 2], threshold: 3, parties: [1, 2, 3, 4, 5] },
      { dealers: [1, 3, 5], threshold: 2, parties: [4, 5, 6] },
      { dealers: [4, 6], threshold: 2, parties: [1, 2, 3, 4, 5] },
    ];
    let current: ReadonlyMap<PartyId, FrostKeyShare> = original;
    let signatures = 0;
    chain.forEach((target, i) => {
      current = reshare(current, target);
      expectSameKey(original, current, target, i + 1);
      signatures += everyQuorumSigns(original, current);
    });
    expect(signatures).toBe(10 + 3 + 10);
  });

  it('old and new shares mixed do not sign: the reshared-away generation is useless with the new one', () => {
    const original = keygen(protocol, 2, 3);
    const next = reshare(original, { dealers: [1, 2], threshold: 2, parties: [1, 2, 3] });
    // Same committee and threshold, so the old share passes every shape check; only the polynomial differs.
    const mixed = new Map([...next, [1, original.get(1)!]]);
    const message = Uint8Array.from(randomBytes(32));
    const outcome = signOutcome(mixed, [1, 2], message);
    expect(outcome.results.size).toBe(0);
    expect(outcome.aborts.get(2)?.culprits).toEqual([1]);
    // And the mixed shares do not interpolate to the key.
    const secrets = new Map([...mixed].map(([p, s]) => [p, scalarFromBytes(s.secretShare)]));
    const key = interpolate(new Map([...original].slice(0, 2).map(([p, s]) => [p, scalarFromBytes(s.secretShare)])));
    expect(interpolate(new Map([[1, secrets.get(1)!], [2, secrets.get(2)!]]))).not.toBe(key);
    // The new generation alone still signs.
    expect(everyQuorumSigns(original, next)).toBe(3);
  });
});
