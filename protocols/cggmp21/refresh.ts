/**
 * Proactive key refresh, t-of-n, same public key Y (guide §4.3: the Taurus cmp/keygen refresh shape with
 * [P] Fig. 6's ingredients: new aux material, a Schnorr PoK, and shares encrypted for provable blame).
 *
 * Every party deals a ZERO polynomial g_i (no constant term, degree t−1) and adds Σ_j g_j(i) to its share, so every
 * t-subset still interpolates to the same x while old and new shares no longer combine.
 * Round 1: hash commitment to the aux material, T⃗_i = (b_{i,k}·G)_{1≤k<t} and the Schnorr commitment A_i [echo].
 * Round 2: open it (bcast); receivers run the aux-info checks plus |T⃗_j| = t−1.
 * Round 3: Π^mod (bcast); Π^fac and C_{i→j} = enc_j(g_i(j)) under j's NEW Paillier key (p2p). A bad share is blamed
 *          with evidence anyone can check: (C, v, nonce) re-encrypts to C, and v·G misses Σ_k i^k·T_{j,k}.
 * Round 4: Schnorr response for the new public share X_i′, bound to ρ.
 */
import { InternalError, ProtocolAbort, type PartyId } from '../errors.js';
import { commit, verifyCommitment, type CommittedItem } from '../math/commitment.js';
import { CURVE_ORDER, IDENTITY, modQ, mulBase, mulPublic, pointToBytes, randomNonzeroScalar, scalarToBytes, sumPoints, type Point } from '../math/curve.js';
import { evaluatePolynomial, lagrangeCoefficient, type Polynomial } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import { Transcript } from '../math/transcript.js';
import { evaluateCommitments } from '../math/vss.js';
import { validateCommittee } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { Outgoing, PartyAuthenticator, Round, Transition } from '../round/types.js';
import { schnorrCommit, schnorrRespond, verifySchnorr } from '../zk/sch.js';
import type { ProofContext } from '../zk/proof.js';
import { AUX_ROUND, AuxExchange, type AuxReveal } from './aux-info.js';
import type { Cggmp21Params } from './params.js';
import { phaseSessionId } from './session-id.js';
import type { AuxInfo, EcdsaKeyShare } from './types.js';

export const REFRESH_PROTOCOL = 'cggmp21-refresh';
const SCHNORR_ROUND = 4;

export interface RefreshInput {
  /** Execution id agreed for this session (the phase sid is derived from it and the key). */
  sessionId: string;
  share: EcdsaKeyShare;
  params: Cggmp21Params;
  /** Two fresh safe primes for the new Paillier key (from the node's pool), used once. */
  primes: readonly [bigint, bigint];
  auth: PartyAuthenticator;
  rng?: Rng;
}

export interface RefreshResult {
  /** Generation g+1: same Y, new x_i and X⃗. Activate atomically, then erase the old share and presignatures. */
  share: EcdsaKeyShare;
  aux: AuxInfo;
}

/** The phase sid (§4.0): bound to the key (Y, generation, every X_j, rid), the committee and the parameter set. */
export function refreshSid(executionId: string, share: EcdsaKeyShare, params: Cggmp21Params): Uint8Array {
  const material = new Transcript('lux-kms/cggmp21/rf-material/v1', executionId, 0)
    .string('params', params.name)
    .points('X', share.parties.map((p) => share.publicShares.get(p)!))
    .bytes('rid', share.rid)
    .digest();
  return phaseSessionId({
    phase: 'rf',
    executionId,
    threshold: share.threshold,
    parties: share.parties,
    generation: share.generation,
    publicKey: share.publicKey,
    material,
  });
}

/** Σ_{1≤k<t} c^k·T_k: the public image of g(c) for a zero polynomial committed without its (zero) constant term. */
function zeroShareImage(T: readonly Point[], c: PartyId): Point {
  return evaluateCommitments([IDENTITY, ...T], c);
}

function committedItems(reveal: AuxReveal, T: readonly Point[], A: Point): CommittedItem[] {
  return [...AuxExchange.committedItems(reveal), { label: 'T', points: T }, { label: 'A', point: A }];
}

export function createRefreshSession(input: RefreshInput): ProtocolSession<RefreshResult> {
  const { share, params } = input;
  const { threshold, parties, self } = validateCommittee(share.threshold, share.parties, share.self);
  const rng = input.rng ?? systemRng;
  const sid = refreshSid(input.sessionId, share, params);
  const others = parties.filter((p) => p !== self);

  const exchange = new AuxExchange({ phase: 'rf', sid, self, parties, params, primes: input.primes, rng });
  // g_i(X) = Σ_{1≤k<t} b_k X^k; non-zero coefficients so every T_k is a valid (non-identity) point on the wire.
  const zeroPolynomial: Polynomial = [0n, ...Array.from({ length: threshold - 1 }, () => randomNonzeroScalar(rng))];
  const ownT = zeroPolynomial.slice(1).map((b) => mulBase(b));
  const schnorr = schnorrCommit(rng);
  const own = commit('rf/com', sid, self, committedItems(exchange.ownReveal(), ownT, schnorr.A), rng);

  const hashCommitments = new Map<PartyId, Uint8Array>();
  const dealt = new Map<PartyId, { T: Point[]; A: Point }>([[self, { T: ownT, A: schnorr.A }]]);
  const received = new Map<PartyId, bigint>();
  let newShare: EcdsaKeyShare;
  const schnorrCtx = (prover: PartyId): ProofContext => ({ phase: 'rf/sch', sessionId: sid, prover, rho: exchange.rho() });

  const round4: Round<RefreshResult> = {
    number: SCHNORR_ROUND,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      const z = new PayloadReader(payload, 'refresh round 4').scalar('z');
      const verdict = verifySchnorr(schnorrCtx(from), newShare.publicShares.get(from)!, { A: dealt.get(from)!.A, z });
      if (!verdict.valid) throw new ProtocolAbort(`Schnorr proof of the new share fails: ${verdict.reason}`, SCHNORR_ROUND, [from]);
    },
    finalize: () => ({ outgoing: [], result: { share: newShare, aux: exchange.auxInfo() } }),
  };

  const round3: Round<RefreshResult> = {
    number: AUX_ROUND.proofs,
    expects: { broadcast: true, p2p: true },
    accept(from, kind, payload) {
      const r = new PayloadReader(payload, `refresh round 3 ${kind}`);
      if (kind === 'broadcast') {
        exchange.checkModulusProof(from, r.raw('mod'));
        return;
      }
      exchange.checkFactorsProof(from, r.raw('fac'));
      received.set(from, openShare(from, r.bigint('C', 2 * params.paillierBits)));
    },
    finalize(): Transition<RefreshResult> {
      const secretShare = modQ(share.secretShare + evaluatePolynomial(zeroPolynomial, BigInt(self)) + [...received.values()].reduce((a, b) => a + b, 0n));
      const publicShares = new Map<PartyId, Point>();
      for (const c of parties) {
        const Xc = share.publicShares.get(c)!.add(sumPoints(parties.map((j) => zeroShareImage(dealt.get(j)!.T, c))));
        if (Xc.is0()) throw new ProtocolAbort(`new public share of party ${c} is the identity`, AUX_ROUND.proofs, []);
        publicShares.set(c, Xc);
      }
      const quorum = parties.slice(0, threshold);
      const Y = sumPoints(quorum.map((c) => mulPublic(publicShares.get(c)!, lagrangeCoefficient(quorum, c))));
      // Zero polynomials cannot move Y, and every received share matched its commitments: a failure here is our bug.
      if (!Y.equals(share.publicKey)) throw new InternalError('refreshed public shares do not interpolate to the public key');
      if (!mulBase(secretShare).equals(publicShares.get(self)!)) throw new InternalError('refreshed share does not match its public share');
      newShare = { ...share, secretShare, publicShares, generation: share.generation + 1 };
      const z = schnorrRespond(schnorrCtx(self), publicShares.get(self)!, secretShare, schnorr);
      return { outgoing: [{ to: null, payload: { z: scalarToBytes(z) } }], next: round4 };
    },
  };

  /** Decrypts C_{j→i} under our new key and checks it against T⃗_j; blames j with re-checkable evidence. */
  function openShare(from: PartyId, C: bigint): bigint {
    const key = exchange.paillier;
    if (!key.publicKey.isCiphertext(C)) throw new ProtocolAbort('refresh share is not a ciphertext under our key', AUX_ROUND.proofs, [from], { C });
    const v = key.decrypt(C);
    if (v < 0n || v >= CURVE_ORDER || !mulBase(v).equals(zeroShareImage(dealt.get(from)!.T, self))) {
      throw new ProtocolAbort('refresh share does not match the sender\'s commitments', AUX_ROUND.proofs, [from], {
        C,
        v,
        nonce: key.recoverNonce(C),
        receiver: self,
      });
    }
    return v;
  }

  const round2: Round<RefreshResult> = {
    number: AUX_ROUND.reveal,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      const r = new PayloadReader(payload, 'refresh round 2');
      const reveal = exchange.decodeReveal(r);
      const count = r.list('T').length;
      // Threshold-raise attack: a longer vector would silently raise the degree of everyone's shares.
      if (count !== threshold - 1) throw new ProtocolAbort(`zero-polynomial commitment has ${count} coefficients, expected ${threshold - 1}`, AUX_ROUND.reveal, [from]);
      const T = r.points('T', threshold - 1);
      const A = r.point('A');
      if (!verifyCommitment('rf/com', sid, from, committedItems(reveal, T, A), r.bytes('u', 32), hashCommitments.get(from)!)) {
        throw new ProtocolAbort('reveal does not open the round-1 commitment', AUX_ROUND.reveal, [from]);
      }
      exchange.acceptReveal(from, reveal);
      dealt.set(from, { T, A });
    },
    finalize(): Transition<RefreshResult> {
      const outgoing: Outgoing[] = [{ to: null, payload: { mod: exchange.proveModulus() } }];
      for (const j of others) {
        const C = exchange.peer(j).paillier.encrypt(evaluatePolynomial(zeroPolynomial, BigInt(j)));
        outgoing.push({ to: j, payload: { fac: exchange.proveFactorsFor(j), C } });
      }
      return { outgoing, next: round3 };
    },
  };

  const round1: Round<RefreshResult> = {
    number: AUX_ROUND.commitment,
    expects: { broadcast: true, p2p: false },
    echo: true,
    accept(from, _kind, payload) {
      hashCommitments.set(from, new PayloadReader(payload, 'refresh round 1').bytes('V', 32));
    },
    finalize: () => ({
      outgoing: [{ to: null, payload: { ...AuxExchange.encodeReveal(exchange.ownReveal()), T: ownT.map(pointToBytes), A: pointToBytes(schnorr.A), u: own.opening } }],
      next: round2,
    }),
  };

  return new ProtocolSession<RefreshResult>({
    sessionId: input.sessionId,
    protocol: REFRESH_PROTOCOL,
    self,
    parties,
    auth: input.auth,
    start: () => ({ outgoing: [{ to: null, payload: { V: own.commitment } }], next: round1 }),
  });
}
