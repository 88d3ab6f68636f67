/**
 * CGGMP21 presigning, 3 rounds ([P] Fig. 7; guide §4.5), run by a quorum S of exactly t parties after the Lagrange
 * conversion of §4.4. Output: a single-use `Presignature` (R, k_i, χ_i plus the identification data of §4.9).
 *
 *   R1  bcast (K_i, G_i) [echo]; p2p Π^enc for each verifier.
 *   R2  bcast Γ_i and every D, F, D̂, F̂ the party made (one signed, echoed broadcast: the MtA ciphertexts become
 *       identification evidence without a disclosure round); p2p Π^aff-g ("gamma"), Π^aff-g ("x"), Π^log* ("G").
 *   R3  bcast (δ_i, Δ_i) [echo]; p2p Π^log* ("K").
 *
 * F encrypts −β, like D (Lockness/Taurus convention), so Π^aff-g is used exactly as in its figure.
 */
import { InvalidInputError, ProtocolAbort, type PartyId } from '../errors.js';
import {
  G,
  invertScalar,
  modQ,
  mul,
  mulBase,
  pointToBytes,
  randomNonzeroScalar,
  randomScalar,
  scalarToBytes,
  sumPoints,
  type Point,
} from '../math/curve.js';
import type { PaillierPublicKey } from '../math/paillier.js';
import { randomSigned, systemRng, type Rng } from '../math/random.js';
import type { RingPedersenParams } from '../math/ring-pedersen.js';
import { Transcript } from '../math/transcript.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { MessageKind, Outgoing, PartyAuthenticator, Round, Transition } from '../round/types.js';
import { decodeAffG, encodeAffG, proveAffG, verifyAffG, type AffGProof } from '../zk/aff-g.js';
import { decodeEnc, encodeEnc, proveEnc, verifyEnc, type EncProof } from '../zk/enc.js';
import { decodeLogStar, encodeLogStar, proveLogStar, verifyLogStar, type LogStarProof } from '../zk/log-star.js';
import type { ProofContext, Verdict } from '../zk/proof.js';
import type { Cggmp21Params } from './params.js';
import { deltaIdentificationRound, type DeltaIdentificationRecord } from './identify.js';
import { toQuorum, type QuorumShares } from './quorum.js';
import { phaseSessionId } from './session-id.js';
import type { MtaCiphertexts, MtaSecrets, Presignature, PresignPartyRecord } from './presignature.js';
import type { AuxInfo, EcdsaKeyShare } from './types.js';

export const PRESIGN_PROTOCOL = 'cggmp21/presign';

/** Proof tags of the phase (guide §4.5); sub-tags separate the two Π^aff-g and the two Π^log* of one prover. */
export const PRESIGN_PROOF_TAGS = {
  enc: 'ps/enc',
  affg: 'ps/affg',
  log: 'ps/log',
} as const;

export interface PresignInput {
  readonly share: EcdsaKeyShare;
  readonly aux: AuxInfo;
  /** The signing quorum S: exactly `threshold` distinct parties of the key, including this one. */
  readonly quorum: readonly PartyId[];
  /** Fresh execution id agreed for this run (the engine's session id); the phase sid is derived from it. */
  readonly sessionId: string;
  readonly auth: PartyAuthenticator;
  readonly rng?: Rng;
}

/**
 * The phase sid (guide §4.0): the execution id, t, the ordered quorum, the generation and Y, plus a digest of every
 * other public key value (the n parties, X⃗, rid, every party's (N, s, t)). Every proof of the run is bound to it.
 */
export function presignSessionId(share: EcdsaKeyShare, aux: AuxInfo, quorum: readonly PartyId[], executionId: string): Uint8Array {
  const material = new Transcript('lux-kms/cggmp21/presign/material/v1', executionId, 0)
    .string('params', aux.params.name)
    .integers('parties', share.parties.map(BigInt))
    .points('X', share.parties.map((j) => share.publicShares.get(j)!))
    .bytes('rid', share.rid);
  for (const j of aux.parties) {
    const pub = aux.publics.get(j)!;
    material.integer('N', pub.paillier.N).integer('s', pub.ringPedersen.s).integer('t', pub.ringPedersen.t);
  }
  return phaseSessionId({
    phase: 'ps',
    executionId,
    threshold: share.threshold,
    parties: quorum,
    generation: share.generation,
    publicKey: share.publicKey,
    material: material.digest(),
  });
}

/** Checks the inputs and converts the share to the quorum (the quorum's own checks live in `toQuorum`). */
function validate(input: PresignInput): QuorumShares {
  const { share, aux } = input;
  if (typeof input.sessionId !== 'string' || input.sessionId.length === 0) {
    throw new TypeError(`"sessionId" expected non-empty string, got ${typeof input.sessionId}`);
  }
  if (aux.self !== share.self) throw new InvalidInputError(`"aux" belongs to party ${aux.self}, the share to party ${share.self}`);
  const converted = toQuorum(share, input.quorum);
  for (const j of converted.signers) {
    if (!aux.publics.has(j)) throw new InvalidInputError(`"quorum" party ${j} has no aux info`);
  }
  const moduli = new Set(converted.signers.map((j) => aux.publics.get(j)!.paillier.N));
  if (moduli.size !== converted.signers.length) throw new InvalidInputError('"aux" gives two quorum parties the same Paillier modulus');
  return converted;
}

interface Peer {
  readonly id: PartyId;
  readonly paillier: PaillierPublicKey;
  readonly ringPedersen: RingPedersenParams;
}

/** A proof that failed, with the sender to blame. */
interface Failure {
  party: PartyId;
  proof: string;
  reason: string;
}

function collect(failures: Failure[], party: PartyId, proof: string, verdict: Verdict): void {
  if (!verdict.valid) failures.push({ party, proof, reason: verdict.reason });
}

function abortOn(failures: Failure[], round: number): void {
  if (failures.length === 0) return;
  const culprits = [...new Set(failures.map((f) => f.party))];
  const detail = failures.map((f) => `party ${f.party} ${f.proof}: ${f.reason}`).join('; ');
  throw new ProtocolAbort(`presign proof rejected: ${detail}`, round, culprits, { failures });
}

/** A party's public values as they arrive round by round. */
type PartyDraft = { -readonly [K in keyof PresignPartyRecord]?: PresignPartyRecord[K] };

/** Everything one party holds during the run; the rounds below read and fill it in order. */
class PresignRun {
  readonly params: Cggmp21Params;
  readonly self: PartyId;
  readonly quorum: readonly PartyId[];
  readonly peers: Peer[];
  readonly sid: Uint8Array;
  readonly x: bigint;
  readonly X: Map<PartyId, Point>;
  readonly rng: Rng;
  readonly k: bigint;
  readonly gamma: bigint;
  readonly rho: bigint;
  readonly nu: bigint;
  readonly parties = new Map<PartyId, PartyDraft>();
  readonly mta = new Map<PartyId, Map<PartyId, MtaCiphertexts>>();
  readonly masks = new Map<PartyId, MtaSecrets>();
  readonly encProofs = new Map<PartyId, EncProof>();
  readonly affgProofs = new Map<PartyId, { gamma: AffGProof; x: AffGProof; logG: LogStarProof }>();
  readonly logKProofs = new Map<PartyId, LogStarProof>();
  /** Γ = Σ Γ_j and χ_i, set when round 3's messages are made. */
  Gamma: Point | undefined;
  chi: bigint | undefined;

  constructor(
    readonly input: PresignInput,
    converted: QuorumShares,
  ) {
    const quorum = converted.signers;
    this.params = input.aux.params;
    this.self = input.share.self;
    this.quorum = quorum;
    this.rng = input.rng ?? systemRng;
    this.peers = quorum
      .filter((j) => j !== this.self)
      .map((j) => {
        const pub = input.aux.publics.get(j)!;
        return { id: j, paillier: pub.paillier, ringPedersen: pub.ringPedersen };
      });
    this.sid = presignSessionId(input.share, input.aux, quorum, input.sessionId);
    this.x = converted.secret;
    this.X = converted.publicShares;
    this.k = randomNonzeroScalar(this.rng);
    this.gamma = randomScalar(this.rng);
    const own = input.aux.paillier;
    this.rho = own.publicKey.randomNonce(this.rng);
    this.nu = own.publicKey.randomNonce(this.rng);
    for (const j of quorum) {
      this.parties.set(j, {});
      this.mta.set(j, new Map());
    }
  }

  ctx(phase: string, prover: PartyId, subTag?: string): ProofContext {
    return subTag === undefined ? { phase, sessionId: this.sid, prover } : { phase, sessionId: this.sid, prover, subTag };
  }

  paillierOf(j: PartyId): PaillierPublicKey {
    return this.input.aux.publics.get(j)!.paillier;
  }

  record(j: PartyId): PartyDraft {
    return this.parties.get(j)!;
  }
}

function readCiphertext(reader: PayloadReader, field: string, key: PaillierPublicKey): bigint {
  const c = reader.bigint(field, 2 * key.N.toString(2).length);
  key.assertCiphertext(c, field);
  return c;
}

// ---- R1 -------------------------------------------------------------------------------------------------------

function round1Messages(run: PresignRun): Outgoing[] {
  const own = run.input.aux.paillier;
  const K = own.encrypt(run.k, run.rho);
  const Gc = own.encrypt(run.gamma, run.nu);
  Object.assign(run.record(run.self), { K, G: Gc });
  const outgoing: Outgoing[] = [{ to: null, payload: { K, G: Gc } }];
  for (const peer of run.peers) {
    const proof = proveEnc(run.ctx(PRESIGN_PROOF_TAGS.enc, run.self), { prover: own, K, verifier: peer.ringPedersen }, { k: run.k, rho: run.rho }, run.params, run.rng);
    outgoing.push({ to: peer.id, payload: { enc: encodeEnc(proof) } });
  }
  return outgoing;
}

function round1(run: PresignRun): Round<Presignature> {
  return {
    number: 1,
    expects: { broadcast: true, p2p: true },
    echo: true,
    accept(from: PartyId, kind: MessageKind, payload: WireValue) {
      const reader = new PayloadReader(payload, `presign round 1 ${kind}`);
      if (kind === 'broadcast') {
        const key = run.paillierOf(from);
        Object.assign(run.record(from), { K: readCiphertext(reader, 'K', key), G: readCiphertext(reader, 'G', key) });
      } else {
        run.encProofs.set(from, decodeEnc(reader.raw('enc'), run.params));
      }
    },
    finalize() {
      const failures: Failure[] = [];
      const verifier = run.input.aux.ringPedersen;
      for (const peer of run.peers) {
        const st = { prover: peer.paillier, K: run.record(peer.id).K!, verifier };
        collect(failures, peer.id, 'Π^enc', verifyEnc(run.ctx(PRESIGN_PROOF_TAGS.enc, peer.id), st, run.encProofs.get(peer.id)!, run.params));
      }
      abortOn(failures, 1);
      return { outgoing: round2Messages(run), next: round2(run) };
    },
  };
}

// ---- R2 -------------------------------------------------------------------------------------------------------

function round2Messages(run: PresignRun): Outgoing[] {
  const own = run.input.aux.paillier;
  const ownPublic = own.publicKey;
  const Gamma = mulBase(run.gamma);
  run.record(run.self).Gamma = Gamma;
  const maskBound = 1n << BigInt(run.params.ellPrime);
  const entries: WireValue[] = [];
  const outgoing: Outgoing[] = [];
  for (const peer of run.peers) {
    const Kj = run.record(peer.id).K!;
    const theirs = peer.paillier;
    const secrets: MtaSecrets = {
      beta: randomSigned(maskBound, run.rng),
      betaHat: randomSigned(maskBound, run.rng),
      s: theirs.randomNonce(run.rng),
      sHat: theirs.randomNonce(run.rng),
      r: ownPublic.randomNonce(run.rng),
      rHat: ownPublic.randomNonce(run.rng),
    };
    const cts: MtaCiphertexts = {
      D: theirs.add(theirs.scalarMul(Kj, run.gamma), theirs.encrypt(-secrets.beta, secrets.s)),
      F: own.encrypt(-secrets.beta, secrets.r),
      Dhat: theirs.add(theirs.scalarMul(Kj, run.x), theirs.encrypt(-secrets.betaHat, secrets.sHat)),
      Fhat: own.encrypt(-secrets.betaHat, secrets.rHat),
    };
    run.masks.set(peer.id, secrets);
    run.mta.get(run.self)!.set(peer.id, cts);
    entries.push({ to: peer.id, D: cts.D, F: cts.F, Dhat: cts.Dhat, Fhat: cts.Fhat });
    const common = { receiver: theirs, prover: own, C: Kj, verifier: peer.ringPedersen };
    const psi = proveAffG(
      run.ctx(PRESIGN_PROOF_TAGS.affg, run.self, 'gamma'),
      { ...common, D: cts.D, Y: cts.F, X: Gamma },
      { x: run.gamma, y: -secrets.beta, rho: secrets.s, rhoY: secrets.r },
      run.params,
      run.rng,
    );
    const psiHat = proveAffG(
      run.ctx(PRESIGN_PROOF_TAGS.affg, run.self, 'x'),
      { ...common, D: cts.Dhat, Y: cts.Fhat, X: run.X.get(run.self)! },
      { x: run.x, y: -secrets.betaHat, rho: secrets.sHat, rhoY: secrets.rHat },
      run.params,
      run.rng,
    );
    const psiPrime = proveLogStar(
      run.ctx(PRESIGN_PROOF_TAGS.log, run.self, 'G'),
      { prover: own, C: run.record(run.self).G!, X: Gamma, B: G, verifier: peer.ringPedersen },
      { x: run.gamma, rho: run.nu },
      run.params,
      run.rng,
    );
    outgoing.push({ to: peer.id, payload: { affg: encodeAffG(psi), affgX: encodeAffG(psiHat), logG: encodeLogStar(psiPrime) } });
  }
  outgoing.unshift({ to: null, payload: { Gamma: pointToBytes(Gamma), mta: entries } });
  return outgoing;
}

/** The R2 broadcast of `from`: Γ and one entry per other quorum member, in quorum order, each CT-checked. */
function acceptRound2Broadcast(run: PresignRun, from: PartyId, reader: PayloadReader): void {
  run.record(from).Gamma = reader.point('Gamma');
  const receivers = run.quorum.filter((j) => j !== from);
  const list = reader.list('mta', receivers.length);
  const fromKey = run.paillierOf(from);
  list.forEach((value, index) => {
    const entry = new PayloadReader(value, `presign round 2 broadcast.mta[${index}]`);
    const to = entry.integer('to');
    if (to !== receivers[index]) throw new RangeError(`"mta[${index}].to" expected party ${receivers[index]}, got ${to}`);
    const toKey = run.paillierOf(to);
    run.mta.get(from)!.set(to, {
      D: readCiphertext(entry, 'D', toKey),
      F: readCiphertext(entry, 'F', fromKey),
      Dhat: readCiphertext(entry, 'Dhat', toKey),
      Fhat: readCiphertext(entry, 'Fhat', fromKey),
    });
  });
}

function round2(run: PresignRun): Round<Presignature> {
  return {
    number: 2,
    expects: { broadcast: true, p2p: true },
    echo: true,
    accept(from, kind, payload) {
      const reader = new PayloadReader(payload, `presign round 2 ${kind}`);
      if (kind === 'broadcast') return acceptRound2Broadcast(run, from, reader);
      run.affgProofs.set(from, {
        gamma: decodeAffG(reader.raw('affg'), run.params),
        x: decodeAffG(reader.raw('affgX'), run.params),
        logG: decodeLogStar(reader.raw('logG'), run.params),
      });
    },
    finalize() {
      const own = run.input.aux.paillier;
      const verifier = run.input.aux.ringPedersen;
      const Ki = run.record(run.self).K!;
      const failures: Failure[] = [];
      for (const peer of run.peers) {
        const j = peer.id;
        const proofs = run.affgProofs.get(j)!;
        const cts = run.mta.get(j)!.get(run.self)!;
        const Gammaj = run.record(j).Gamma!;
        const common = { receiver: own, prover: peer.paillier, C: Ki, verifier };
        const tag = PRESIGN_PROOF_TAGS.affg;
        collect(failures, j, 'Π^aff-g (gamma)', verifyAffG(run.ctx(tag, j, 'gamma'), { ...common, D: cts.D, Y: cts.F, X: Gammaj }, proofs.gamma, run.params));
        collect(failures, j, 'Π^aff-g (x)', verifyAffG(run.ctx(tag, j, 'x'), { ...common, D: cts.Dhat, Y: cts.Fhat, X: run.X.get(j)! }, proofs.x, run.params));
        const logSt = { prover: peer.paillier, C: run.record(j).G!, X: Gammaj, B: G, verifier };
        collect(failures, j, 'Π^log* (G)', verifyLogStar(run.ctx(PRESIGN_PROOF_TAGS.log, j, 'G'), logSt, proofs.logG, run.params));
      }
      abortOn(failures, 2);
      return { outgoing: round3Messages(run), next: round3(run) };
    },
  };
}

// ---- R3 -------------------------------------------------------------------------------------------------------

function round3Messages(run: PresignRun): Outgoing[] {
  const own = run.input.aux.paillier;
  const Gamma = sumPoints(run.quorum.map((j) => run.record(j).Gamma!));
  run.Gamma = Gamma;
  const Delta = mul(Gamma, run.k);
  let delta = run.k * run.gamma;
  let chi = run.k * run.x;
  for (const peer of run.peers) {
    const cts = run.mta.get(peer.id)!.get(run.self)!;
    const secrets = run.masks.get(peer.id)!;
    delta += own.decrypt(cts.D) + secrets.beta;
    chi += own.decrypt(cts.Dhat) + secrets.betaHat;
  }
  Object.assign(run.record(run.self), { delta: modQ(delta), Delta });
  run.chi = modQ(chi);
  const outgoing: Outgoing[] = [{ to: null, payload: { delta: scalarToBytes(modQ(delta)), Delta: pointToBytes(Delta) } }];
  for (const peer of run.peers) {
    const proof = proveLogStar(
      run.ctx(PRESIGN_PROOF_TAGS.log, run.self, 'K'),
      { prover: own, C: run.record(run.self).K!, X: Delta, B: Gamma, verifier: peer.ringPedersen },
      { x: run.k, rho: run.rho },
      run.params,
      run.rng,
    );
    outgoing.push({ to: peer.id, payload: { logK: encodeLogStar(proof) } });
  }
  return outgoing;
}

function round3(run: PresignRun): Round<Presignature> {
  return {
    number: 3,
    expects: { broadcast: true, p2p: true },
    echo: true,
    accept(from, kind, payload) {
      const reader = new PayloadReader(payload, `presign round 3 ${kind}`);
      if (kind === 'broadcast') Object.assign(run.record(from), { delta: reader.scalar('delta'), Delta: reader.point('Delta') });
      else run.logKProofs.set(from, decodeLogStar(reader.raw('logK'), run.params));
    },
    finalize(): Transition<Presignature> {
      const verifier = run.input.aux.ringPedersen;
      const Gamma = run.Gamma!;
      const failures: Failure[] = [];
      for (const peer of run.peers) {
        const st = { prover: peer.paillier, C: run.record(peer.id).K!, X: run.record(peer.id).Delta!, B: Gamma, verifier };
        collect(failures, peer.id, 'Π^log* (K)', verifyLogStar(run.ctx(PRESIGN_PROOF_TAGS.log, peer.id, 'K'), st, run.logKProofs.get(peer.id)!, run.params));
      }
      abortOn(failures, 3);
      const delta = modQ(run.quorum.reduce((acc, j) => acc + run.record(j).delta!, 0n));
      const DeltaSum = sumPoints(run.quorum.map((j) => run.record(j).Delta!));
      if (!mulBase(delta).equals(DeltaSum)) {
        // §4.7: one more broadcast round names whoever lied about its δ_j (or, if nobody can be blamed, locks the key).
        return deltaIdentificationRound<Presignature>({ record: identificationRecord(run), aux: run.input.aux, round: 4, rng: run.rng });
      }
      if (delta === 0n) throw new ProtocolAbort('presign produced δ = 0 (negligible probability): run it again', 3, []);
      const R = mul(Gamma, invertScalar(delta));
      return { outgoing: [], result: output(run, R) };
    },
  };
}

/** Everything §4.7 needs: the record of §4.9 without R and χ_i. */
function identificationRecord(run: PresignRun): DeltaIdentificationRecord {
  return {
    params: run.params.name,
    sessionId: run.sid,
    self: run.self,
    quorum: run.quorum,
    k: run.k,
    gamma: run.gamma,
    rho: run.rho,
    nu: run.nu,
    parties: new Map([...run.parties].map(([j, r]) => [j, r as PresignPartyRecord])),
    mta: run.mta,
    masks: run.masks,
  };
}

function output(run: PresignRun, R: Point): Presignature {
  const { share } = run.input;
  return {
    ...identificationRecord(run),
    version: 1,
    generation: share.generation,
    publicKey: share.publicKey,
    weightedShares: run.X,
    R,
    chi: run.chi!,
  };
}

/** One party's presigning session over the quorum; its result is this party's `Presignature`. */
export function createPresignSession(input: PresignInput): ProtocolSession<Presignature> {
  const run = new PresignRun(input, validate(input));
  return new ProtocolSession<Presignature>({
    sessionId: input.sessionId,
    protocol: PRESIGN_PROTOCOL,
    self: run.self,
    parties: run.quorum,
    auth: input.auth,
    start: () => ({ outgoing: round1Messages(run), next: round1(run) }),
  });
}
