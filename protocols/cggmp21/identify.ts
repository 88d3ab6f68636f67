/**
 * Identifiable abort for CGGMP21 ([P] Figs. 7–8 outputs; guide §4.7 and §4.8, in Synedrion's shape).
 *
 * When the δ check at the end of presigning fails (§4.7), or the combined signature does not verify (§4.8), every
 * quorum member runs ONE extra broadcast round and publishes a package:
 *   - H_i, the ciphertext of k_i·γ_i (δ) or x_i·k_i (σ), with Π^mul (δ, one proof for all) or Π^mul* (σ, one per
 *     verifier) showing it is built from K_i/G_i honestly;
 *   - per verifier ℓ, Π^dec that U_i (rebuilt by anyone from H_i and the signed MtA ciphertexts) decrypts to the δ_i
 *     or σ_i that i broadcast, mod q;
 *   - per counterparty j and verifier ℓ ∉ {i, j}, a fresh Π^aff-g for the MtA pair i made for j (the original proof
 *     convinced only j).
 * A party whose package fails any check is blamed. A failing proof is publicly checkable (verification uses only
 * public values), so each party checks EVERY proof in every package, not just those addressed to it: an honest
 * party then reaches the same verdict as every other honest party, even against a prover that sends a bad proof to
 * one verifier only. Whoever misses the deadline is the node's to blame (the round engine names them).
 *
 * If every package verifies, the failure cannot be attributed: the abort has no culprit and says to lock the key
 * (Lindell17-style leaks come from retrying after unattributed failures, CVE-2023-33242).
 *
 * These rounds never produce a result: their `finalize` always throws the verdict as a `ProtocolAbort`.
 */
import { InternalError, ProtocolAbort, type PartyId } from '../errors.js';
import { mod } from '../math/bigint.js';
import { CURVE_ORDER, modQ, mulBase, type Point } from '../math/curve.js';
import type { PaillierPublicKey } from '../math/paillier.js';
import { lagrangeCoefficient } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import type { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import type { Outgoing, Round, Transition } from '../round/types.js';
import { decodeAffG, encodeAffG, proveAffG, verifyAffG, type AffGProof, type AffGWitness } from '../zk/aff-g.js';
import { decodeDec, encodeDec, proveDec, verifyDec, type DecProof } from '../zk/dec.js';
import { decodeMulStar, encodeMulStar, proveMulStar, verifyMulStar, type MulStarProof } from '../zk/mul-star.js';
import { decodeMul, encodeMul, proveMul, verifyMul, type MulProof } from '../zk/mul.js';
import type { ProofContext, Verdict } from '../zk/proof.js';
import { PARAMETER_SETS, type Cggmp21Params } from './params.js';
import type { Presignature } from './presignature.js';
import type { AuxInfo, EcdsaKeyShare } from './types.js';

export const IDENTIFY_PROOF_TAGS = { delta: 'ia/delta', sigma: 'ia/sigma' } as const;

/** The verdict when every package verifies: nobody can be blamed, so the key must lock (guide §5 row 7). */
export const UNATTRIBUTABLE_REASON = 'unattributable failure: lock the key';

/** What §4.7 needs of the presigning run: the §4.9 record without R and χ_i (the δ check failed before them). */
export type DeltaIdentificationRecord = Pick<
  Presignature,
  'params' | 'sessionId' | 'self' | 'quorum' | 'k' | 'gamma' | 'rho' | 'nu' | 'parties' | 'mta' | 'masks'
>;

export interface DeltaIdentificationInput {
  readonly record: DeltaIdentificationRecord;
  readonly aux: AuxInfo;
  /** Number of the identification round: the failing round's number + 1. */
  readonly round: number;
  readonly rng?: Rng;
}

export interface SigmaIdentificationInput {
  readonly presignature: Presignature;
  readonly aux: AuxInfo;
  /** The key share the presignature was made with: x_i = λ_i·x_i^share is the Π^mul* witness. */
  readonly share: EcdsaKeyShare;
  /** m = int(H(msg)) mod q, as signed. */
  readonly message: bigint;
  /** σ_j exactly as each quorum member broadcast it (own included). */
  readonly sigmas: ReadonlyMap<PartyId, bigint>;
  /** Number of the identification round: the signing round's number + 1. */
  readonly round: number;
  readonly rng?: Rng;
}

/** One rejected check, kept as evidence. */
export interface IdentificationFailure {
  readonly party: PartyId;
  readonly proof: string;
  readonly reason: string;
}

/** Everything both procedures share: the presigning record, own aux secrets, and who proves to whom. */
interface Setting {
  readonly record: DeltaIdentificationRecord;
  readonly aux: AuxInfo;
  readonly params: Cggmp21Params;
  readonly phase: string;
  readonly rng: Rng;
}

/** What differs between §4.7 and §4.8. P is the parsed form of the product proof(s). */
interface Procedure<P> {
  readonly name: string;
  /** The ciphertext that H_i multiplies (G_i for δ, K_i for σ) and own multiplier (k_i, x_i). */
  hBase(i: PartyId): bigint;
  readonly hSecret: bigint;
  /** The MtA pair i made for j that is re-proved: (D_{j,i}, F_{j,i}, Γ_i) or (D̂_{j,i}, F̂_{j,i}, X_i). */
  pair(i: PartyId, j: PartyId): { D: bigint; F: bigint; X: Point };
  /** Own Π^aff-g witness for the pair made for j. */
  pairWitness(j: PartyId): AffGWitness;
  /** The ciphertexts i received from j and made for j whose difference enters U_i: (D_{i,j}, F_{j,i}) or hatted. */
  uTerms(i: PartyId, j: PartyId): { received: bigint; made: bigint };
  /** U_i from H_i ⊕ Σ(received ⊖ made): unchanged for δ, ⊙ r ⊕ (m ⊙ K_i) for σ. */
  finishU(i: PartyId, inner: bigint): bigint;
  /** δ_i or σ_i as i broadcast it. */
  claimed(i: PartyId): bigint;
  proveProduct(H: bigint, rho: bigint): WireValue;
  decodeProduct(reader: PayloadReader, prover: PartyId): P;
  verifyProduct(prover: PartyId, H: bigint, proofs: P, check: Check): void;
}

/** Runs one named verification unless the package already failed one (its verdict is settled by then). */
type Check = (proof: string, verify: () => Verdict) => void;

interface Package<P> {
  readonly H: bigint;
  readonly product: P;
  /** Π^dec per verifier ℓ. */
  readonly dec: Map<PartyId, DecProof>;
  /** Π^aff-g re-proof per `${j}/${ℓ}`. */
  readonly affg: Map<string, AffGProof>;
}

function paramsOf(name: Cggmp21Params['name']): Cggmp21Params {
  const params = (PARAMETER_SETS as Record<string, Cggmp21Params | undefined>)[name];
  if (!params) throw new RangeError(`"record.params" expected a known parameter set, got ${String(name)}`);
  return params;
}

function validateSetting(record: DeltaIdentificationRecord, aux: AuxInfo, round: number): Cggmp21Params {
  if (!Number.isInteger(round) || round < 1) throw new RangeError(`"round" expected positive integer, got ${round}`);
  if (aux.self !== record.self) throw new RangeError(`"aux" belongs to party ${aux.self}, the presignature to party ${record.self}`);
  if (!record.quorum.includes(record.self)) throw new RangeError(`"record.quorum" expected to include party ${record.self}`);
  const params = paramsOf(record.params);
  if (aux.params.name !== params.name) throw new RangeError(`"aux" uses ${aux.params.name}, the presignature ${params.name}`);
  for (const j of record.quorum) {
    if (!aux.publics.has(j)) throw new RangeError(`"aux" has no public material for quorum party ${j}`);
    if (!record.parties.has(j)) throw new RangeError(`"record.parties" has no entry for quorum party ${j}`);
  }
  return params;
}

function others(setting: Setting, i: PartyId, except?: PartyId): PartyId[] {
  return setting.record.quorum.filter((j) => j !== i && j !== except);
}

function paillierOf(setting: Setting, j: PartyId): PaillierPublicKey {
  return setting.aux.publics.get(j)!.paillier;
}

/** Own parameters as the secret (CRT), everyone else's as public parameters. */
function ringPedersenOf(setting: Setting, l: PartyId): RingPedersenParams | RingPedersenSecret {
  return l === setting.record.self ? setting.aux.ringPedersen : setting.aux.publics.get(l)!.ringPedersen;
}

function ctx(setting: Setting, prover: PartyId, counterparty?: PartyId): ProofContext {
  const base = { phase: setting.phase, sessionId: setting.record.sessionId, prover };
  return counterparty === undefined ? base : { ...base, subTag: `counterparty ${counterparty}` };
}

/** U_i, rebuilt from H_i and the MtA ciphertexts exactly as their makers signed them. */
function rebuildU<P>(setting: Setting, proc: Procedure<P>, i: PartyId, H: bigint): bigint {
  const pk = paillierOf(setting, i);
  let inner = mod(H, pk.N2);
  for (const j of others(setting, i)) {
    const { received, made } = proc.uTerms(i, j);
    inner = pk.add(inner, pk.sub(received, made));
  }
  return proc.finishU(i, inner);
}

function ownPackage<P>(setting: Setting, proc: Procedure<P>): WireValue {
  const { record, aux, params, rng } = setting;
  const self = record.self;
  const own = aux.paillier;
  const rhoH = own.publicKey.randomNonce(rng);
  const H = (own.expModN2(proc.hBase(self), proc.hSecret) * own.noncePower(rhoH)) % own.publicKey.N2;
  const U = rebuildU(setting, proc, self, H);
  const y = own.decrypt(U);
  const rhoU = own.recoverNonce(U);
  const dec = others(setting, self).map((l) =>
    encodeDec(proveDec(ctx(setting, self), { prover: own, C: U, x: proc.claimed(self), verifier: ringPedersenOf(setting, l) }, { y, rho: rhoU }, params, rng)),
  );
  const affg: WireValue[] = [];
  for (const j of others(setting, self)) {
    const { D, F, X } = proc.pair(self, j);
    const st = { receiver: paillierOf(setting, j), prover: own, C: record.parties.get(j)!.K, D, Y: F, X };
    for (const l of others(setting, self, j)) {
      affg.push(encodeAffG(proveAffG(ctx(setting, self, j), { ...st, verifier: ringPedersenOf(setting, l) }, proc.pairWitness(j), params, rng)));
    }
  }
  return { H, product: proc.proveProduct(H, rhoH), dec, affg };
}

function decodePackage<P>(setting: Setting, proc: Procedure<P>, from: PartyId, payload: WireValue): Package<P> {
  const reader = new PayloadReader(payload, `${proc.name} package`);
  const { params } = setting;
  const verifiers = others(setting, from);
  const decList = reader.list('dec', verifiers.length);
  const pairs = verifiers.flatMap((j) => others(setting, from, j).map((l) => [j, l] as const));
  const affgList = reader.list('affg', pairs.length);
  return {
    H: reader.bigint('H', 2 * params.paillierBits),
    product: proc.decodeProduct(reader, from),
    dec: new Map(verifiers.map((l, index) => [l, decodeDec(decList[index]!, params)])),
    affg: new Map(pairs.map(([j, l], index) => [`${j}/${l}`, decodeAffG(affgList[index]!, params)])),
  };
}

/**
 * Every check on i's package, by every verifier's parameters, stopping at the first failure (one is enough to
 * blame i, and it is evidence anyone can re-check). Returns that failure, if any.
 */
function checkPackage<P>(setting: Setting, proc: Procedure<P>, i: PartyId, pkg: Package<P>): IdentificationFailure | undefined {
  let failure: IdentificationFailure | undefined;
  const check: Check = (proof, verify) => {
    if (failure) return;
    const verdict = verify();
    if (!verdict.valid) failure = { party: i, proof, reason: verdict.reason };
  };
  const { record, params } = setting;
  const prover = paillierOf(setting, i);
  proc.verifyProduct(i, pkg.H, pkg.product, check);
  const U = rebuildU(setting, proc, i, pkg.H);
  for (const [l, proof] of pkg.dec) {
    const st = { prover, C: U, x: proc.claimed(i), verifier: ringPedersenOf(setting, l) };
    check(`Π^dec for ${l}`, () => verifyDec(ctx(setting, i), st, proof, params));
  }
  for (const [key, proof] of pkg.affg) {
    const [j, l] = key.split('/').map(Number) as [PartyId, PartyId];
    const { D, F, X } = proc.pair(i, j);
    const st = { receiver: paillierOf(setting, j), prover, C: record.parties.get(j)!.K, D, Y: F, X, verifier: ringPedersenOf(setting, l) };
    check(`Π^aff-g re-proof (${i}→${j}) for ${l}`, () => verifyAffG(ctx(setting, i, j), st, proof, params));
  }
  return failure;
}

/** The package round: collect every package, check them all, and throw the verdict. */
function identificationTransition<R>(setting: Setting, proc: Procedure<unknown>, round: number): Transition<R> {
  const packages = new Map<PartyId, Package<unknown>>();
  const next: Round<R> = {
    number: round,
    expects: { broadcast: true, p2p: false },
    // A package is evidence: every verifier must judge the same one.
    echo: true,
    accept(from, _kind, payload) {
      packages.set(from, decodePackage(setting, proc, from, payload));
    },
    finalize(): never {
      const failures = [...packages].flatMap(([i, pkg]) => checkPackage(setting, proc, i, pkg) ?? []);
      if (failures.length === 0) throw new ProtocolAbort(UNATTRIBUTABLE_REASON, round, [], { procedure: proc.name });
      const culprits = [...new Set(failures.map((f) => f.party))];
      const detail = failures.map((f) => `party ${f.party} ${f.proof}: ${f.reason}`).join('; ');
      throw new ProtocolAbort(`${proc.name}: ${detail}`, round, culprits, { procedure: proc.name, failures });
    },
  };
  const outgoing: Outgoing[] = [{ to: null, payload: ownPackage(setting, proc) }];
  return { outgoing, next };
}

/**
 * §4.7: after δ·G ≠ ΣΔ_j at the end of presigning. Returns the transition the presign round returns: this party's
 * package out, and the round that judges everyone's packages.
 */
export function deltaIdentificationRound<R>(input: DeltaIdentificationInput): Transition<R> {
  const { record, aux } = input;
  const params = validateSetting(record, aux, input.round);
  const setting: Setting = { record, aux, params, phase: IDENTIFY_PROOF_TAGS.delta, rng: input.rng ?? systemRng };
  const proc: Procedure<MulProof> = {
    name: 'δ identification',
    hBase: (i) => record.parties.get(i)!.G,
    hSecret: record.k,
    pair(i, j) {
      const c = record.mta.get(i)!.get(j)!;
      return { D: c.D, F: c.F, X: record.parties.get(i)!.Gamma };
    },
    pairWitness(j) {
      const m = record.masks.get(j)!;
      return { x: record.gamma, y: -m.beta, rho: m.s, rhoY: m.r };
    },
    uTerms: (i, j) => ({ received: record.mta.get(j)!.get(i)!.D, made: record.mta.get(i)!.get(j)!.F }),
    finishU: (_i, inner) => inner,
    claimed: (i) => record.parties.get(i)!.delta,
    proveProduct(H, rho) {
      const self = record.self;
      const st = { prover: aux.paillier, X: record.parties.get(self)!.K, Y: record.parties.get(self)!.G, C: H };
      return encodeMul(proveMul(ctx(setting, self), st, { x: record.k, rhoX: record.rho, rho }, params, setting.rng));
    },
    decodeProduct: (reader) => decodeMul(reader.raw('product'), params),
    verifyProduct(i, H, proof, check) {
      const st = { prover: paillierOf(setting, i), X: record.parties.get(i)!.K, Y: record.parties.get(i)!.G, C: H };
      check('Π^mul', () => verifyMul(ctx(setting, i), st, proof, params));
    },
  };
  return identificationTransition(setting, proc as Procedure<unknown>, input.round);
}

/**
 * §4.8: after the combined signature failed to verify. Returns the transition the signing round returns: this
 * party's package out, and the round that judges everyone's packages.
 */
export function sigmaIdentificationRound<R>(input: SigmaIdentificationInput): Transition<R> {
  const { presignature: record, aux, share } = input;
  const params = validateSetting(record, aux, input.round);
  const setting: Setting = { record, aux, params, phase: IDENTIFY_PROOF_TAGS.sigma, rng: input.rng ?? systemRng };
  if (typeof input.message !== 'bigint' || input.message < 0n || input.message >= CURVE_ORDER) {
    throw new RangeError('"message" expected the digest as a scalar 0..q-1');
  }
  for (const j of record.quorum) {
    const sigma = input.sigmas.get(j);
    if (typeof sigma !== 'bigint' || sigma < 0n || sigma >= CURVE_ORDER) throw new RangeError(`"sigmas" expected a scalar for quorum party ${j}`);
  }
  if (share.self !== record.self) throw new RangeError(`"share" belongs to party ${share.self}, the presignature to party ${record.self}`);
  const x = modQ(lagrangeCoefficient(record.quorum, record.self) * share.secretShare);
  if (!mulBase(x).equals(record.weightedShares.get(record.self)!)) {
    throw new InternalError('key share does not match the presignature: λ_i·x_i·G ≠ X_i');
  }
  const r = modQ(record.R.toAffine().x);
  const m = input.message;
  const proc: Procedure<Map<PartyId, MulStarProof>> = {
    name: 'σ identification',
    hBase: (i) => record.parties.get(i)!.K,
    hSecret: x,
    pair(i, j) {
      const c = record.mta.get(i)!.get(j)!;
      return { D: c.Dhat, F: c.Fhat, X: record.weightedShares.get(i)! };
    },
    pairWitness(j) {
      const mask = record.masks.get(j)!;
      return { x, y: -mask.betaHat, rho: mask.sHat, rhoY: mask.rHat };
    },
    uTerms: (i, j) => ({ received: record.mta.get(j)!.get(i)!.Dhat, made: record.mta.get(i)!.get(j)!.Fhat }),
    finishU(i, inner) {
      const pk = paillierOf(setting, i);
      return pk.add(pk.scalarMul(inner, r), pk.scalarMul(record.parties.get(i)!.K, m));
    },
    claimed: (i) => input.sigmas.get(i)!,
    proveProduct(H, rho) {
      const self = record.self;
      const st = { prover: aux.paillier, C: record.parties.get(self)!.K, D: H, X: record.weightedShares.get(self)! };
      return others(setting, self).map((l) =>
        encodeMulStar(proveMulStar(ctx(setting, self), { ...st, verifier: ringPedersenOf(setting, l) }, { x, rho }, params, setting.rng)),
      );
    },
    decodeProduct(reader, prover) {
      const verifiers = others(setting, prover);
      const list = reader.list('product', verifiers.length);
      return new Map(verifiers.map((l, index) => [l, decodeMulStar(list[index]!, params)]));
    },
    verifyProduct(i, H, proofs, check) {
      const st = { prover: paillierOf(setting, i), C: record.parties.get(i)!.K, D: H, X: record.weightedShares.get(i)! };
      for (const [l, proof] of proofs) check(`Π^mul* for ${l}`, () => verifyMulStar(ctx(setting, i), { ...st, verifier: ringPedersenOf(setting, l) }, proof, params));
    },
  };
  return identificationTransition(setting, proc as Procedure<unknown>, input.round);
}
