/**
 * LSS resharing of CGGMP21 ECDSA keys, end to end: keygen, reshare, aux-info among the new committee, presign and
 * sign. Every quorum of each new committee is checked against the original key (its Lagrange-weighted shares sum
 * to the key; test-only interpolation), and one quorum per reshare runs the full presign + sign, whose signature
 * verifies under the original public key and recovers the original Ethereum address.
 */
import { computeAddress, keccak256, recoverAddress, Signature, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { toQuorum } from '../../../protocols/cggmp21/quorum.js';
import { verifyEcdsa } from '../../../protocols/cggmp21/sign.js';
import type { EcdsaKeyShare } from '../../../protocols/cggmp21/types.js';
import type { PartyId } from '../../../protocols/errors.js';
import { modQ, mulBase, pointToBytes } from '../../../protocols/math/curve.js';
import { ecdsaResharePlan, toEcdsaKeyShare, type ReshareTarget } from '../../../protocols/lss/index.js';
import { keygenShares } from '../../helpers/cggmp21-keygen.js';
import { auxFor, interpolate, presignAndSign, reshareOk, subsets } from '../../helpers/lss.js';

function reshare(shares: ReadonlyMap<PartyId, EcdsaKeyShare>, target: ReshareTarget): Map<PartyId, EcdsaKeyShare> {
  const plan = ecdsaResharePlan(shares.get(target.dealers[0]!)!, target);
  const results = reshareOk(plan, new Map(target.dealers.map((d) => [d, shares.get(d)!.secretShare])));
  return new Map(target.parties.map((p) => [p, toEcdsaKeyShare(results.get(p)!)]));
}

/** TEST ONLY: the key the shares of `quorum` interpolate to. */
function secretOf(shares: ReadonlyMap<PartyId, EcdsaKeyShare>, quorum: readonly PartyId[]): bigint {
  return interpolate(new Map(quorum.map((p) => [p, shares.get(p)!.secretShare])));
}

/** Same key and address; every t′-quorum's additive shares sum to the original secret and their publics to Y. */
function expectSameKey(original: ReadonlyMap<PartyId, EcdsaKeyShare>, next: ReadonlyMap<PartyId, EcdsaKeyShare>, target: ReshareTarget, generation: number): number {
  const before = original.values().next().value!;
  const secret = secretOf(original, before.parties.slice(0, before.threshold));
  expect(mulBase(secret).equals(before.publicKey)).toBe(true);
  const rids = new Set<string>();
  for (const [party, share] of next) {
    expect([share.self, share.threshold, share.parties, share.generation]).toEqual([party, target.threshold, [...target.parties].sort((a, b) => a - b), generation]);
    expect(share.publicKey.equals(before.publicKey)).toBe(true);
    expect(computeAddress('0x' + Buffer.from(pointToBytes(share.publicKey)).toString('hex'))).toBe(ethAddress(before));
    rids.add(Buffer.from(share.rid).toString('hex'));
  }
  expect(rids.size).toBe(1);
  expect(rids.has(Buffer.from(before.rid).toString('hex'))).toBe(false);
  let quorums = 0;
  for (const quorum of subsets(target.parties, target.threshold)) {
    const converted = quorum.map((p) => toQuorum(next.get(p)!, quorum));
    expect(modQ(converted.reduce((acc, c) => acc + c.secret, 0n))).toBe(secret);
    quorums++;
  }
  return quorums;
}

function ethAddress(share: EcdsaKeyShare): string {
  return computeAddress('0x' + Buffer.from(pointToBytes(share.publicKey)).toString('hex'));
}

/** Presign + sign with `quorum` of the new shares; the signature verifies under the original key and address. */
async function signsUnderOriginalKey(original: ReadonlyMap<PartyId, EcdsaKeyShare>, next: ReadonlyMap<PartyId, EcdsaKeyShare>, quorum: PartyId[]): Promise<void> {
  const key = original.values().next().value!;
  const digest = Uint8Array.from(Buffer.from(keccak256(toUtf8Bytes(`transfer via quorum ${quorum.join(',')}`)).slice(2), 'hex'));
  const { presign, sign } = await presignAndSign(next, auxFor(next.values().next().value!.parties), quorum, digest);
  expect([...presign.aborts.values()].map((a) => a.message)).toEqual([]);
  const signature = sign!.results.get(quorum[0]!)!;
  expect(sign!.results.size).toBe(quorum.length);
  expect(verifyEcdsa(key.publicKey, digest, signature.r, signature.s)).toBe(true);
  const hex = (x: bigint) => '0x' + x.toString(16).padStart(64, '0');
  const recovered = recoverAddress(digest, Signature.from({ r: hex(signature.r), s: hex(signature.s), v: 27 + (signature.recovery & 1) }));
  expect(recovered).toBe(ethAddress(key));
}

/**
 * Aux-info among five parties is the expensive step (seconds on an idle machine, minutes under load); it runs once
 * per new committee, inside the first test that needs it, and later tests reuse it.
 */
const AUX_TIMEOUT = 600_000;

describe('LSS reshare of an ECDSA key', () => {
  it('2-of-3 → 3-of-5: all 10 quorums hold the key; aux-info, presign and sign work for the new committee', async () => {
    const original = keygenShares(2, [1, 2, 3]);
    const target = { dealers: [1, 3], threshold: 3, parties: [1, 2, 3, 4, 5] };
    const next = reshare(original, target);
    expect(expectSameKey(original, next, target, 1)).toBe(10);
    await signsUnderOriginalKey(original, next, [2, 4, 5]);
  }, AUX_TIMEOUT);

  it('3-of-5 → 2-of-3 with two dealers leaving and a new party joining', async () => {
    const original = keygenShares(3, [1, 2, 3, 4, 5]);
    const target = { dealers: [1, 2, 4], threshold: 2, parties: [4, 5, 6] };
    const next = reshare(original, target);
    expect(expectSameKey(original, next, target, 1)).toBe(3);
    await signsUnderOriginalKey(original, next, [5, 6]);
  }, AUX_TIMEOUT);

  it('2-of-3 → 2-of-3 onto a disjoint committee', async () => {
    const original = keygenShares(2, [1, 2, 3]);
    const target = { dealers: [1, 2], threshold: 2, parties: [4, 5, 6] };
    const next = reshare(original, target);
    expect(expectSameKey(original, next, target, 1)).toBe(3);
    await signsUnderOriginalKey(original, next, [4, 6]);
  });

  it('three reshares in a row sign under the original key; generation-1 and generation-3 shares mixed do not', async () => {
    const original = keygenShares(2, [1, 2, 3]);
    const chain: { target: ReshareTarget; quorum: PartyId[] }[] = [
      { target: { dealers: [2, 3], threshold: 3, parties: [1, 2, 3, 4, 5] }, quorum: [1, 3, 4] },
      { target: { dealers: [1, 3, 5], threshold: 2, parties: [4, 5, 6] }, quorum: [4, 5] },
      { target: { dealers: [4, 6], threshold: 3, parties: [1, 2, 3, 4, 5] }, quorum: [1, 2, 5] },
    ];
    const generations: Map<PartyId, EcdsaKeyShare>[] = [];
    let current: ReadonlyMap<PartyId, EcdsaKeyShare> = original;
    for (const [i, { target, quorum }] of chain.entries()) {
      const next = reshare(current, target);
      expect(expectSameKey(original, next, target, i + 1)).toBe(target.threshold === 3 ? 10 : 3);
      await signsUnderOriginalKey(original, next, quorum);
      generations.push(next);
      current = next;
    }
    // Generations 1 and 3 have the same committee and threshold, so every shape check passes; the keys do not mix.
    const [first, , third] = generations as [Map<PartyId, EcdsaKeyShare>, unknown, Map<PartyId, EcdsaKeyShare>];
    const mixed = new Map([...third, [1, first.get(1)!]]);
    expect(secretOf(mixed, [1, 2, 3])).not.toBe(secretOf(original, [1, 2]));
    const { presign, sign } = await presignAndSign(mixed, auxFor([1, 2, 3, 4, 5]), [1, 2, 3], new Uint8Array(32).fill(7));
    expect(sign).toBeUndefined();
    expect(presign.results.size).toBe(0);
    // The generation-1 share makes proofs for a different key state (generation, public shares): parties 2 and 3 reject them.
    expect(presign.aborts.get(2)?.culprits).toEqual([1]);
    expect(presign.aborts.get(3)?.culprits).toEqual([1]);
  }, AUX_TIMEOUT);
});
