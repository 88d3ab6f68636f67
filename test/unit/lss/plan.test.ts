/**
 * The reshare plan is the gate before any session: every bad input is refused with a message naming the field and
 * the expectation, and nothing is started. Also: the plan's wire form round-trips and is re-validated.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError, MalformedError } from '../../../protocols/errors.js';
import { mulBase } from '../../../protocols/math/curve.js';
import { encodeWire, decodeWire } from '../../../protocols/math/wire.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import {
  createReshareSession,
  decodeResharePlan,
  encodeResharePlan,
  frostResharePlan,
  validateResharePlan,
  type ResharePlanInput,
} from '../../../protocols/lss/index.js';
import { keygen } from '../frost/harness.js';

const shares = keygen('frost', 2, 3);
const taprootShares = keygen('frost-taproot', 2, 3);

/** A valid 2-of-3 → 3-of-5 plan input for an ECDSA-style key built from the FROST shares' public data. */
function input(overrides: Partial<ResharePlanInput> = {}): ResharePlanInput {
  const base = frostResharePlan(shares.get(1)!, { dealers: [1, 2], threshold: 3, parties: [1, 2, 3, 4, 5] });
  return { ...base, scheme: 'ecdsa', ...overrides };
}

function refused(overrides: Partial<ResharePlanInput>, message: string): void {
  let error: unknown;
  try {
    validateResharePlan(input(overrides));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as Error).message).toBe(message);
}

describe('reshare plan validation', () => {
  it('accepts a valid plan: participants are dealers ∪ new committee, λ over the dealers', () => {
    const plan = validateResharePlan(input({ dealers: [3, 1] }));
    expect(plan.dealers).toEqual([1, 3]);
    expect(plan.participants).toEqual([1, 2, 3, 4, 5]);
    expect(plan.weights.size).toBe(2);
    expect(plan.digest.length).toBe(32);
  });

  it('too-small old quorum: fewer dealers than the old threshold', () => {
    refused({ dealers: [2] }, '"dealers" expected at least 2 parties of the old committee, got 1');
  });

  it('t′ > n′', () => {
    refused({ newCommittee: { threshold: 6, parties: [1, 2, 3, 4, 5] } }, '"newCommittee.threshold" expected integer 1..5, got 6');
  });

  it('t′ = 0', () => {
    refused({ newCommittee: { threshold: 0, parties: [1, 2, 3] } }, '"newCommittee.threshold" expected integer 1..3, got 0');
  });

  it('t′ = 1 for a FROST key (no 1-of-n mode)', () => {
    refused({ scheme: 'frost', newCommittee: { threshold: 1, parties: [1, 2, 3] } }, '"newCommittee.threshold" expected integer 2..3 (FROST has no 1-of-n mode), got 1');
  });

  it('duplicate ids in the new committee, the dealers or the old committee', () => {
    refused({ newCommittee: { threshold: 2, parties: [4, 5, 4] } }, '"newCommittee.parties" has duplicate id 4');
    refused({ dealers: [1, 2, 1] }, '"dealers" has duplicate id 1');
    const old = input().oldCommittee;
    refused({ oldCommittee: { ...old, parties: [1, 2, 2] } }, '"oldCommittee.parties" has duplicate id 2');
  });

  it('non-positive or non-integer ids', () => {
    refused({ newCommittee: { threshold: 2, parties: [0, 1, 2] } }, '"newCommittee.parties" expected positive integer ids, got 0');
    refused({ newCommittee: { threshold: 2, parties: [1.5, 2] } }, '"newCommittee.parties" expected positive integer ids, got 1.5');
  });

  it('a dealer outside the old committee', () => {
    refused({ dealers: [1, 4] }, '"dealers" has 4, which is not in the old committee [1, 2, 3]');
  });

  it('an old threshold out of range', () => {
    const old = input().oldCommittee;
    refused({ oldCommittee: { ...old, threshold: 4 } }, '"oldCommittee.threshold" expected integer 1..3, got 4');
  });

  it('old public shares that do not interpolate to the public key', () => {
    const old = input().oldCommittee;
    const publicShares = new Map(old.publicShares);
    publicShares.set(3, publicShares.get(3)!.add(mulBase(1n)));
    refused({ oldCommittee: { ...old, publicShares } }, '"oldCommittee.publicShares" entry for party 3 is off the degree-1 polynomial');
    refused({ publicKey: mulBase(5n) }, '"oldCommittee.publicShares" do not interpolate to "publicKey"');
    publicShares.delete(3);
    refused({ oldCommittee: { ...old, publicShares } }, '"oldCommittee.publicShares" expected exactly one entry per old party [1, 2, 3]');
  });

  it('a negative generation', () => {
    refused({ generation: -1 }, '"generation" expected integer ≥ 0, got -1');
  });

  it('taproot: the public key must be the output key of the internal key', () => {
    const plan = frostResharePlan(taprootShares.get(1)!, { dealers: [1, 2], threshold: 2, parties: [1, 2, 3] });
    expect(plan.internalKey).toEqual(taprootShares.get(1)!.internalKey);
    refused({ ...plan, publicKey: mulBase(9n) } as ResharePlanInput, '"publicKey" expected the BIP-341 output point of "internalKey"');
    expect(() => validateResharePlan(input({ internalKey: plan.internalKey! }))).toThrow(TypeError);
  });

  it('nothing is started: a dealer with a share that is not its generation-k share is refused at session creation', () => {
    const plan = validateResharePlan(input());
    const auth = new SimulatedIdentities(plan.participants).authenticator(1);
    expect(() => createReshareSession({ plan, sessionId: 's', self: 1, secretShare: 5n, auth })).toThrow(/does not match party 1's public share of generation 0/);
    expect(() => createReshareSession({ plan, sessionId: 's', self: 4, secretShare: 5n, auth })).toThrow(/party 4 is not a dealer/);
    expect(() => createReshareSession({ plan, sessionId: 's', self: 9, auth })).toThrow(/"self" expected one of \[1, 2, 3, 4, 5\], got 9/);
  });
});

describe('reshare plan wire form', () => {
  it('round-trips through the canonical encoding, with the same digest', () => {
    for (const key of [shares, taprootShares]) {
      const plan = frostResharePlan(key.get(2)!, { dealers: [2, 3], threshold: 3, parties: [2, 3, 4, 5] });
      const decoded = decodeResharePlan(decodeWire(encodeWire(encodeResharePlan(plan))));
      expect(decoded).toEqual(plan);
    }
  });

  it('a decoded plan is validated again', () => {
    const plan = validateResharePlan(input());
    const wire = encodeResharePlan(plan) as { [key: string]: unknown };
    expect(() => decodeResharePlan({ ...(wire as object), newThreshold: 9 } as never)).toThrow(InvalidInputError);
    expect(() => decodeResharePlan({ ...(wire as object), X: [] } as never)).toThrow(MalformedError);
  });
});
