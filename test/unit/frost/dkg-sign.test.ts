/**
 * Dealerless keygen then threshold signing, for 2-of-3 and 3-of-5 with every signer subset and for 7-of-10
 * with a spread of subsets. Every signature is checked by noble and by tiny-secp256k1; every Taproot one is
 * also spent from a P2TR output built, hashed and finalized by @scure/btc-signer.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartyId } from '../../../protocols/errors.js';
import { pointFromBytes } from '../../../protocols/math/curve.js';
import {
  ciphersuite,
  deserializeKeyShare,
  frostIdentifier,
  serializeKeyShare,
  taprootOutputKey,
  verifyFrostSignature,
  xOnly,
  type FrostKeyShare,
  type FrostProtocol,
} from '../../../protocols/frost/index.js';
import { keygen, range, sign, subsets } from './harness.js';
import { btcSignerSignsWith, finalizeAndVerify, keyPathSpend } from './taproot-spend.js';
import { nobleVerify, tinyVerify } from './verifiers.js';

const PROTOCOLS: FrostProtocol[] = ['frost', 'frost-taproot'];

/** Sign with `signers` and check the signature every way we have; returns nothing, counts in `tally`. */
function signAndCheck(shares: Map<PartyId, FrostKeyShare>, signers: PartyId[], tally: { signatures: number }): void {
  const key = shares.get(signers[0]!)!;
  if (key.protocol === 'frost-taproot') {
    const spend = keyPathSpend(key.internalKey!, key.publicKey);
    const signature = sign(shares, signers, spend.sighash);
    expect(signature.length).toBe(64);
    expect(verifyFrostSignature('frost-taproot', signature, spend.sighash, key.publicKey)).toBe(true);
    expect(nobleVerify('frost-taproot', signature, spend.sighash, key.publicKey)).toBe(true);
    expect(tinyVerify('frost-taproot', signature, spend.sighash, key.publicKey)).toBe(true);
    finalizeAndVerify(spend, signature);
  } else {
    const message = Uint8Array.from(randomBytes(32));
    const signature = sign(shares, signers, message);
    expect(signature.length).toBe(65);
    expect(nobleVerify('frost', signature, message, key.publicKey)).toBe(true);
    expect(tinyVerify('frost', signature, message, key.publicKey)).toBe(true);
    message[0]! ^= 1;
    expect(nobleVerify('frost', signature, message, key.publicKey)).toBe(false);
    expect(tinyVerify('frost', signature, message, key.publicKey)).toBe(false);
  }
  tally.signatures++;
}

/** Checks every party's share: the stored form round-trips and validates, and all describe one key. */
function checkShares(shares: Map<PartyId, FrostKeyShare>, threshold: number, n: number): void {
  for (const [party, share] of shares) {
    expect(share.self).toBe(party);
    expect([share.threshold, share.parties, share.generation]).toEqual([threshold, range(n), 0]);
    // Loading runs the full validation (every verifying share against the commitments).
    const restored = deserializeKeyShare(serializeKeyShare(share));
    expect(restored).toEqual(share);
    if (share.protocol === 'frost-taproot') {
      expect(share.publicKey.length).toBe(32);
      expect(taprootOutputKey(share.internalKey!)).toEqual(share.publicKey);
      expect(share.internalKey).not.toEqual(share.publicKey);
    } else {
      expect(share.publicKey.length).toBe(33);
      expect(share.internalKey).toBeUndefined();
    }
  }
}

/** Test-only: the group secret from t shares, to let btc-signer's own signer try the output. */
function groupSecret(shares: Map<PartyId, FrostKeyShare>, signers: PartyId[]): Uint8Array {
  const suite = ciphersuite('frost-taproot');
  const key = shares.get(signers[0]!)!;
  return suite.frost.combineSecret(
    signers.map((p) => ({ identifier: frostIdentifier(suite, p), signingShare: Uint8Array.from(shares.get(p)!.secretShare) })),
    { min: key.threshold, max: key.parties.length },
  );
}

describe.each(PROTOCOLS)('%s keygen and signing', (protocol) => {
  it('2-of-3: every signer subset (4) signs, every signature verifies', () => {
    const shares = keygen(protocol, 2, 3);
    checkShares(shares, 2, 3);
    const all = [...subsets(range(3), 2), ...subsets(range(3), 3)];
    const tally = { signatures: 0 };
    for (const signers of all) signAndCheck(shares, signers, tally);
    expect(tally.signatures).toBe(4);
    if (protocol === 'frost-taproot') {
      const key = shares.get(1)!;
      btcSignerSignsWith(keyPathSpend(key.internalKey!, key.publicKey), groupSecret(shares, [1, 2]));
    }
  });

  it('3-of-5: every signer subset (16) signs, every signature verifies', () => {
    const shares = keygen(protocol, 3, 5);
    checkShares(shares, 3, 5);
    const all = [3, 4, 5].flatMap((k) => subsets(range(5), k));
    const tally = { signatures: 0 };
    for (const signers of all) signAndCheck(shares, signers, tally);
    expect(tally.signatures).toBe(16);
    if (protocol === 'frost-taproot') {
      const key = shares.get(1)!;
      btcSignerSignsWith(keyPathSpend(key.internalKey!, key.publicKey), groupSecret(shares, [2, 4, 5]));
    }
  });

  it('7-of-10: lowest, highest, scattered, 8 and all 10 signers', () => {
    const shares = keygen(protocol, 7, 10);
    checkShares(shares, 7, 10);
    const chosen = [range(7), [4, 5, 6, 7, 8, 9, 10], [1, 3, 4, 6, 8, 9, 10], [1, 2, 3, 5, 7, 8, 9, 10], range(10)];
    const tally = { signatures: 0 };
    for (const signers of chosen) signAndCheck(shares, signers, tally);
    expect(tally.signatures).toBe(5);
  });
});

describe('frost-taproot keys', () => {
  it('the internal key is the x-only sum of the parties\' constant terms and the output key has its own parity', () => {
    // Over many keygens both output-key parities must occur, and signing must work for both (even-y handling).
    const parities = new Set<number>();
    for (let i = 0; i < 8 && parities.size < 2; i++) {
      const shares = keygen('frost-taproot', 2, 3);
      const key = shares.get(1)!;
      const Q = pointFromBytes(key.commitments[0]!);
      expect(xOnly(Q)).toEqual(key.publicKey);
      parities.add(key.commitments[0]![0]!);
      signAndCheck(shares, [2, 3], { signatures: 0 });
    }
    expect(parities).toEqual(new Set([2, 3]));
  });
});
