/**
 * Identifiable abort (guide §4.7, §4.8, §5 row 7). A real 3-of-4 key and real presignatures; the tampering is what a
 * malicious quorum member X can do to its own broadcast values, and each test checks that identification blames
 * exactly X at every honest party, or, when nobody cheated, blames nobody and says to lock the key.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolAbort, type PartyId } from '../../../protocols/errors.js';
import {
  deltaIdentificationRound,
  sigmaIdentificationRound,
  UNATTRIBUTABLE_REASON,
  type DeltaIdentificationRecord,
} from '../../../protocols/cggmp21/identify.js';
import type { Presignature } from '../../../protocols/cggmp21/presignature.js';
import type { AuxInfo, EcdsaKeyShare } from '../../../protocols/cggmp21/types.js';
import { bytesToBigint } from '../../../protocols/math/bigint.js';
import { invertScalar, modQ } from '../../../protocols/math/curve.js';
import type { WireValue } from '../../../protocols/math/wire.js';
import { ProtocolSession } from '../../../protocols/round/session.js';
import { simulate, SimulatedIdentities, type SimulationOutcome } from '../../../protocols/round/simulator.js';
import type { Transition } from '../../../protocols/round/types.js';
import { keygenShares } from '../../helpers/cggmp21-keygen.js';
import { presignAll, runSign, testOnlyFixtureAuxInfos } from '../../helpers/cggmp21-presign.js';

const PARTIES = [1, 2, 3, 4];
const X = 2;
const FIRST_QUORUM = [1, 2, 3];
const HONEST = FIRST_QUORUM.filter((p) => p !== X);
const digest = new Uint8Array(32).fill(0x5a);
const m = modQ(bytesToBigint(digest));

let shares: Map<PartyId, EcdsaKeyShare>;
let aux: Map<PartyId, AuxInfo>;
let presignatures: Map<PartyId, Presignature>;

type Payload = { [key: string]: WireValue };

/**
 * Runs one identification round on its own, every quorum member starting from the given transition. `cheat`
 * rewrites X's own package before X's session sends it, so X's echo vouches for the altered package (what a real
 * malicious X does), and the identification checks, not the echo check, must catch it.
 */
function identify(quorum: number[], start: (p: PartyId) => Transition<never>, cheat?: (package_: Payload) => Payload) {
  const identities = new SimulatedIdentities(quorum);
  const begin = (p: PartyId): Transition<never> => {
    const transition = start(p);
    if (p !== X || !cheat) return transition;
    return { ...transition, outgoing: transition.outgoing.map((o) => ({ ...o, payload: cheat({ ...(o.payload as Payload) }) })) };
  };
  const sessions = new Map(
    quorum.map((p) => [p, new ProtocolSession<never>({ sessionId: 'identify-test', protocol: 'cggmp21/identify', self: p, parties: quorum, auth: identities.authenticator(p), start: () => begin(p) })]),
  );
  return simulate(sessions, identities);
}

function expectVerdict(outcome: SimulationOutcome<never>, parties: number[], culprits: number[], reason?: string): void {
  for (const p of parties) {
    const abort = outcome.aborts.get(p);
    expect(abort, `party ${p} reaches a verdict`).toBeInstanceOf(ProtocolAbort);
    expect(abort!.culprits, `party ${p} blames`).toEqual(culprits);
    if (reason) expect(abort!.reason).toBe(reason);
  }
}

/** Everyone's copy of the run, with X's broadcast δ_X replaced (X signed δ_X + 1 and echoed it consistently). */
function withDelta(record: Presignature, party: PartyId, delta: bigint): DeltaIdentificationRecord {
  const parties = new Map(record.parties);
  parties.set(party, { ...parties.get(party)!, delta });
  return { ...record, parties };
}

function sigmaOf(p: Presignature): bigint {
  return modQ(p.k * m + modQ(p.R.toAffine().x) * p.chi);
}

beforeAll(() => {
  shares = keygenShares(3, PARTIES);
  aux = testOnlyFixtureAuxInfos(PARTIES);
  presignatures = presignAll({ shares, aux }, FIRST_QUORUM, 'presign-identify-1');
});

describe('identification after a failed δ check (§4.7)', () => {
  it('delta_tamper_blamed: X broadcast a wrong δ_X; every honest party blames exactly X', () => {
    const delta = modQ(presignatures.get(X)!.parties.get(X)!.delta + 1n);
    const outcome = identify(FIRST_QUORUM, (p) =>
      deltaIdentificationRound({ record: withDelta(presignatures.get(p)!, X, delta), aux: aux.get(p)!, round: 4 }),
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/party 2 Π\^dec/);
  });

  it('unattributed_lock: when every package verifies, nobody is blamed and the verdict is to lock the key', () => {
    const outcome = identify(FIRST_QUORUM, (p) => deltaIdentificationRound({ record: presignatures.get(p)!, aux: aux.get(p)!, round: 4 }));
    expectVerdict(outcome, FIRST_QUORUM, [], UNATTRIBUTABLE_REASON);
  });

  it('reproof_tamper_blamed_by_all: X spoils one Π^aff-g re-proof meant for one verifier; every honest party blames X', () => {
    const outcome = identify(
      FIRST_QUORUM,
      (p) => deltaIdentificationRound({ record: presignatures.get(p)!, aux: aux.get(p)!, round: 4 }),
      (payload) => {
        const affg = [...(payload.affg as WireValue[])];
        affg[0] = { ...(affg[0] as Record<string, WireValue>), z3: ((affg[0] as Record<string, bigint>).z3 as bigint) + 1n };
        return { ...payload, affg };
      },
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/Π\^aff-g re-proof/);
  });

  it('mul_tamper_blamed: X swaps H_X for an encryption of something else; blamed', () => {
    const pk = aux.get(X)!.paillier;
    const outcome = identify(
      FIRST_QUORUM,
      (p) => deltaIdentificationRound({ record: presignatures.get(p)!, aux: aux.get(p)!, round: 4 }),
      (payload) => ({ ...payload, H: pk.encrypt(7n) }),
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/party 2 Π\^mul:/);
  });

  it('malformed_package_blamed: a package with a missing Π^dec is blamed by the engine', () => {
    const outcome = identify(
      FIRST_QUORUM,
      (p) => deltaIdentificationRound({ record: presignatures.get(p)!, aux: aux.get(p)!, round: 4 }),
      (payload) => ({ ...payload, dec: (payload.dec as WireValue[]).slice(1) }),
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/malformed broadcast.*"dec" expected 2 items/);
  });
});

describe('identification after an invalid signature (§4.8)', () => {
  it('sigma_tamper_blamed: X sends σ_X + 1; signing fails, identification blames exactly X, and a quorum without X signs', async () => {
    // X's own record carries χ_X + r⁻¹, so X's session itself broadcasts (and echoes) σ_X + 1.
    const cheat = presignatures.get(X)!;
    const r = modQ(cheat.R.toAffine().x);
    const records = new Map(presignatures).set(X, { ...cheat, chi: modQ(cheat.chi + invertScalar(r)) });
    const sigmas = new Map(FIRST_QUORUM.map((p) => [p, sigmaOf(records.get(p)!)]));
    expect(sigmas.get(X)).toBe(modQ(sigmaOf(cheat) + 1n));

    const signing = await runSign(records, digest, { sessionId: 'sign-identify-1' });
    for (const p of HONEST) expect(signing.aborts.get(p), `party ${p} refuses the signature`).toBeInstanceOf(ProtocolAbort);

    const outcome = identify(FIRST_QUORUM, (p) =>
      sigmaIdentificationRound({ presignature: records.get(p)!, aux: aux.get(p)!, share: shares.get(p)!, message: m, sigmas, round: 2 }),
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/party 2 Π\^dec/);

    const next = [1, 3, 4];
    const signed = await runSign(presignAll({ shares, aux }, next, 'presign-identify-2'), digest, { sessionId: 'sign-identify-2' });
    expect(signed.results.size).toBe(next.length);
    const sig = signed.results.get(1)!;
    expect(secp256k1.verify(sig.compact, digest, shares.get(1)!.publicKey.toBytes(true), { prehash: false })).toBe(true);
  });

  it('unattributed_lock (σ): honest σ_j everywhere gives no culprit and the lock verdict', () => {
    const sigmas = new Map(FIRST_QUORUM.map((p) => [p, sigmaOf(presignatures.get(p)!)]));
    const outcome = identify(FIRST_QUORUM, (p) =>
      sigmaIdentificationRound({ presignature: presignatures.get(p)!, aux: aux.get(p)!, share: shares.get(p)!, message: m, sigmas, round: 2 }),
    );
    expectVerdict(outcome, FIRST_QUORUM, [], UNATTRIBUTABLE_REASON);
  });

  it('mulstar_tamper_blamed: X spoils the Π^mul* meant for one verifier; every honest party blames X', () => {
    const sigmas = new Map(FIRST_QUORUM.map((p) => [p, sigmaOf(presignatures.get(p)!)]));
    const outcome = identify(
      FIRST_QUORUM,
      (p) => sigmaIdentificationRound({ presignature: presignatures.get(p)!, aux: aux.get(p)!, share: shares.get(p)!, message: m, sigmas, round: 2 }),
      (payload) => {
        const product = [...(payload.product as WireValue[])];
        product[1] = { ...(product[1] as Record<string, WireValue>), z2: ((product[1] as Record<string, bigint>).z2 as bigint) + 1n };
        return { ...payload, product };
      },
    );
    expectVerdict(outcome, HONEST, [X]);
    expect(outcome.aborts.get(HONEST[0]!)!.reason).toMatch(/Π\^mul\*/);
  });

  it('rejects inputs that do not belong together', () => {
    const sigmas = new Map(FIRST_QUORUM.map((p) => [p, 0n]));
    const base = { presignature: presignatures.get(1)!, aux: aux.get(1)!, share: shares.get(1)!, message: m, sigmas, round: 2 };
    expect(() => sigmaIdentificationRound({ ...base, share: shares.get(3)! })).toThrow(RangeError);
    expect(() => sigmaIdentificationRound({ ...base, aux: aux.get(2)! })).toThrow(RangeError);
    expect(() => sigmaIdentificationRound({ ...base, sigmas: new Map([[1, 0n]]) })).toThrow(/quorum party 2/);
    expect(() => sigmaIdentificationRound({ ...base, round: 0 })).toThrow(RangeError);
    expect(() => sigmaIdentificationRound({ ...base, message: -1n })).toThrow(RangeError);
  });
});
