import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type WireValue } from '../../../protocols/math/wire.js';
import { mulBase, modQ, pointFromBytes, pointToBytes, scalarToBytes } from '../../../protocols/math/curve.js';
import { lagrangeCoefficient } from '../../../protocols/math/polynomial.js';
import { decodeKeyShare, encodeKeyShare } from '../../../protocols/cggmp21/key-share.js';
import { toQuorum } from '../../../protocols/cggmp21/quorum.js';
import { createKeygenSession } from '../../../protocols/cggmp21/keygen.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import type { Envelope } from '../../../protocols/round/types.js';
import { keygenShares, runKeygen } from '../../helpers/cggmp21-keygen.js';

type Payload = { [k: string]: WireValue };

/** A 33-byte SEC1 encoding whose x has no point on the curve (found by trying x = 1, 2, …). */
function offCurveEncoding(): Uint8Array {
  for (let x = 1; ; x++) {
    const bytes = new Uint8Array(33);
    bytes[0] = 2;
    bytes[32] = x;
    try {
      pointFromBytes(bytes);
    } catch {
      return bytes;
    }
  }
}

/** A malicious party alters one of its own messages and signs the result. */
function tamper(party: number, round: number, kind: 'broadcast' | 'p2p', edit: (p: Payload, receiver: number) => Payload) {
  return (env: Envelope, receiver: number, tools: { resign(e: Envelope): Envelope }) => {
    if (env.from !== party || env.round !== round || env.kind !== 'message') return env;
    if ((kind === 'broadcast') !== (env.to === null)) return env;
    return tools.resign({ ...env, payload: edit({ ...(env.payload as Payload) }, receiver) });
  };
}

function expectBlamed(outcome: ReturnType<typeof runKeygen>['outcome'], culprit: number, honest: number[], reason?: RegExp) {
  for (const p of honest) {
    expect(outcome.results.has(p), `honest party ${p} must not finish`).toBe(false);
    const abort = outcome.aborts.get(p);
    expect(abort, `party ${p} should abort`).toBeDefined();
    expect(abort!.culprits).toEqual([culprit]);
    if (reason) expect(abort!.reason).toMatch(reason);
  }
}

describe('CGGMP21 threshold keygen', () => {
  it.each([
    [2, [1, 2, 3]],
    [3, [1, 2, 3, 4, 5]],
    [1, [1, 2]],
    [4, [2, 5, 7, 9]],
  ])('%i-of-%j produces consistent shares of one key', (t, parties) => {
    const shares = keygenShares(t, parties);
    const first = shares.get(parties[0]!)!;
    for (const share of shares.values()) {
      expect(share.publicKey.equals(first.publicKey)).toBe(true);
      expect(share.threshold).toBe(t);
      expect(mulBase(share.secretShare).equals(share.publicShares.get(share.self)!)).toBe(true);
      expect(Buffer.from(share.rid).equals(Buffer.from(first.rid))).toBe(true);
      expect(share.generation).toBe(0);
    }
    // test-only reconstruction: a quorum's Lagrange-weighted shares sum to the key
    const quorum = parties.slice(-t);
    const x = quorum.reduce((acc, j) => modQ(acc + lagrangeCoefficient(quorum, j) * shares.get(j)!.secretShare), 0n);
    expect(mulBase(x).equals(first.publicKey)).toBe(true);
    const q = toQuorum(shares.get(quorum[0]!)!, quorum);
    expect(q.signers).toEqual(quorum);
  });

  it('key shares survive encode/decode and a corrupted stored share is refused on load', () => {
    const share = keygenShares(2, [1, 2, 3]).get(2)!;
    const decoded = decodeKeyShare(decodeWire(encodeWire(encodeKeyShare(share))));
    expect(decoded.secretShare).toBe(share.secretShare);
    expect(decoded.publicKey.equals(share.publicKey)).toBe(true);
    const stored = encodeKeyShare(share) as Payload;
    expect(() => decodeKeyShare({ ...stored, x: scalarToBytes(modQ(share.secretShare + 1n)) })).toThrow(/does not match its public share/);
    expect(() => decodeKeyShare({ ...stored, Y: pointToBytes(mulBase(5n)) })).toThrow(/interpolate/);
    expect(() => decodeKeyShare({ ...stored, threshold: 4 })).toThrow(/threshold/);
  });

  it('rejects bad committees before anything starts', () => {
    const identities = new SimulatedIdentities([1, 2, 3]);
    const base = { sessionId: 's', self: 1, auth: identities.authenticator(1) };
    expect(() => createKeygenSession({ ...base, parties: [1, 2, 3], threshold: 4 })).toThrow('"threshold" expected integer 1..3, got 4');
    expect(() => createKeygenSession({ ...base, parties: [1, 2, 3], threshold: 0 })).toThrow(/threshold/);
    expect(() => createKeygenSession({ ...base, parties: [1, 1, 3], threshold: 2 })).toThrow(/duplicate id 1/);
    expect(() => createKeygenSession({ ...base, parties: [0, 1, 3], threshold: 2 })).toThrow(/positive integer/);
    expect(() => createKeygenSession({ ...base, parties: [2, 3], threshold: 2 })).toThrow(/"self"/);
  });

  it('vss_len_t_plus_1: a Feldman vector one longer than t (threshold raise) is blamed', () => {
    const { outcome } = runKeygen(2, [1, 2, 3], {
      intercept: tamper(2, 2, 'broadcast', (p) => ({ ...p, S: [...(p.S as Uint8Array[]), pointToBytes(mulBase(7n))] })),
    });
    expectBlamed(outcome, 2, [1, 3], /coefficients/);
  });

  it('feldman_bad_share: a share inconsistent with the commitment blames its dealer only', () => {
    const { outcome } = runKeygen(2, [1, 2, 3], {
      intercept: tamper(3, 2, 'p2p', (p, receiver) => (receiver === 1 ? { ...p, share: scalarToBytes(12345n) } : p)),
    });
    expect(outcome.aborts.get(1)!.culprits).toEqual([3]);
    expect(outcome.aborts.get(1)!.reason).toMatch(/Feldman/);
    expect(outcome.aborts.get(1)!.evidence).toBeDefined();
    expect(outcome.results.size).toBe(0);
  });

  it('a decommitment that does not open the round-1 commitment is blamed', () => {
    const { outcome } = runKeygen(2, [1, 2, 3], {
      intercept: tamper(1, 2, 'broadcast', (p) => ({ ...p, rid: new Uint8Array(32).fill(1) })),
    });
    expectBlamed(outcome, 1, [2, 3], /does not open/);
  });

  it('an identity or off-curve point in the Feldman vector is blamed', () => {
    const identity = runKeygen(2, [1, 2, 3], {
      intercept: tamper(3, 2, 'broadcast', (p) => ({ ...p, S: [new Uint8Array(33), (p.S as Uint8Array[])[1]!] })),
    }).outcome;
    expectBlamed(identity, 3, [1, 2], /point/);
    const offCurve = runKeygen(2, [1, 2, 3], {
      intercept: tamper(3, 2, 'broadcast', (p) => ({ ...p, S: [offCurveEncoding(), (p.S as Uint8Array[])[1]!] })),
    }).outcome;
    expectBlamed(offCurve, 3, [1, 2], /point/);
  });

  it('a wrong Schnorr response is blamed', () => {
    const { outcome } = runKeygen(2, [1, 2, 3], {
      intercept: tamper(2, 3, 'broadcast', () => ({ z: scalarToBytes(99n) })),
    });
    expectBlamed(outcome, 2, [1, 3], /Schnorr/);
  });

  it('replay_sch_old_keygen: a Schnorr response from another keygen session is blamed', () => {
    const old = runKeygen(2, [1, 2, 3], {}, 'old-session');
    expect(old.outcome.results.size).toBe(3);
    const captured: Envelope[] = [];
    runKeygen(2, [1, 2, 3], { intercept: (env) => (captured.push(env), env) }, 'old-session-2');
    const replayZ = (captured.find((e) => e.from === 2 && e.round === 3)!.payload as Payload).z;
    const { outcome } = runKeygen(2, [1, 2, 3], { intercept: tamper(2, 3, 'broadcast', () => ({ z: replayZ! })) }, 'new-session');
    expectBlamed(outcome, 2, [1, 3], /Schnorr/);
  });

  it('equivocation on the round-1 commitment is caught by the echo and blames the sender', () => {
    const { outcome } = runKeygen(2, [1, 2, 3], {
      intercept: tamper(3, 1, 'broadcast', (p, receiver) => (receiver === 2 ? { V: new Uint8Array(32).fill(9) } : p)),
    });
    expect(outcome.results.size).toBe(0);
    for (const abort of outcome.aborts.values()) expect(abort.culprits).toEqual([3]);
  });
});
