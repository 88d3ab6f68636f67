/**
 * LSS dynamic resharing: generation k of a key moves from an old committee (t, n) to a new one (t′, n′) without the
 * key ever being assembled; the group key Y, and so every address, stays the same.
 *
 *   start:   each dealer i (an old party of the plan's dealer set) picks f_i of degree t′−1 with f_i(0) = λ_i·x_i,
 *            broadcasts its Feldman commitments C_i [echo] and sends f_i(j) to every new party j (p2p).
 *   round 1: every participant checks C_i,0 = λ_i·X_i (X_i is the dealer's known public share of generation k,
 *            so Σ C_i,0 = Y); each new party checks its share against C_i. Any failure blames that dealer.
 *            New parties sum their shares: x′_j = Σ f_i(j); everyone derives C′ = Σ C_i and X′_j = Σ_k j^k·C′_k.
 *            Each new party broadcasts a confirmation: the digest of the new public state and a Schnorr proof
 *            of knowledge of x′_j for X′_j.
 *   round 2: every participant checks every confirmation [echo]. The result means "generation k+1 is valid and
 *            confirmed by every new party": only then may a node activate it. Until then generation k stays
 *            active, and a reshare that aborts or times out changes nothing.
 *
 * Dealers that are not in the new committee take part to the end but get no share: once the node activates
 * generation k+1, they delete their generation-k share.
 */
import { InternalError, InvalidInputError, ProtocolAbort, type PartyId } from '../errors.js';
import { modQ, mulBase, pointToBytes, scalarToBytes, sumPoints, type Point } from '../math/curve.js';
import { commitPolynomial, evaluatePolynomial, randomPolynomial } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import { Transcript } from '../math/transcript.js';
import { evaluateCommitments, verifyShare } from '../math/vss.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { MessageKind, Outgoing, PartyAuthenticator, Round, Transition } from '../round/types.js';
import type { ProofContext } from '../zk/proof.js';
import { decodeSchnorr, encodeSchnorr, proveSchnorr, verifySchnorr, type SchnorrProof } from '../zk/sch.js';
import { dealerConstant, type ResharePlan } from './plan.js';

export const RESHARE_PROTOCOL = 'lss/reshare';
export const RESHARE_ROUND = { dealing: 1, confirmation: 2 } as const;

export interface ReshareInput {
  readonly plan: ResharePlan;
  /** Execution id agreed for this run (the engine's session id); the phase sid is derived from it and the plan. */
  readonly sessionId: string;
  readonly self: PartyId;
  /** Dealers only: this party's Shamir share x_self of generation k. */
  readonly secretShare?: bigint;
  readonly auth: PartyAuthenticator;
  readonly rng?: Rng;
}

/** Generation k+1 as one participant sees it once every new party confirmed it. */
export interface ReshareResult {
  readonly plan: ResharePlan;
  readonly self: PartyId;
  /** k+1. */
  readonly generation: number;
  readonly threshold: number;
  /** The new committee, ascending. */
  readonly parties: readonly PartyId[];
  /** Y, unchanged. */
  readonly publicKey: Point;
  /** Feldman commitments of the new sharing polynomial (t′ points, `commitments[0]` = Y). */
  readonly commitments: readonly Point[];
  /** X′_j = x′_j·G for every new party j. */
  readonly publicShares: ReadonlyMap<PartyId, Point>;
  /** x′_self, for members of the new committee; absent for dealers that leave. */
  readonly secretShare?: bigint;
  /** Digest of the new public state that every new party confirmed (binds plan, session and commitments). */
  readonly transcript: Uint8Array;
}

/** The phase sid: the execution id and the plan digest, so a dealing or proof cannot move to another run or plan. */
export function reshareSessionId(executionId: string, plan: ResharePlan): Uint8Array {
  return new Transcript('lux-kms/lss/sid/v1', executionId, 0).bytes('plan', plan.digest).digest();
}

function checkInput(input: ReshareInput): void {
  const { plan, self } = input;
  if (typeof input.sessionId !== 'string' || input.sessionId.length === 0) throw new TypeError('"sessionId" expected a non-empty string');
  if (!plan.participants.includes(self)) throw new InvalidInputError(`"self" expected one of [${plan.participants.join(', ')}], got ${self}`);
  const isDealer = plan.dealers.includes(self);
  if (!isDealer) {
    if (input.secretShare !== undefined) throw new InvalidInputError(`"secretShare" given, but party ${self} is not a dealer of this plan`);
    return;
  }
  if (typeof input.secretShare !== 'bigint') throw new TypeError(`"secretShare" expected bigint for dealer ${self}, got ${typeof input.secretShare}`);
  if (!mulBase(input.secretShare).equals(plan.oldCommittee.publicShares.get(self)!)) {
    throw new InvalidInputError(`"secretShare" does not match party ${self}'s public share of generation ${plan.generation}`);
  }
}

/** What every participant derives from the dealings: the new public state. */
interface PublicState {
  commitments: Point[];
  publicShares: Map<PartyId, Point>;
  transcript: Uint8Array;
}

function derivePublicState(plan: ResharePlan, sid: Uint8Array, dealings: ReadonlyMap<PartyId, readonly Point[]>): PublicState {
  const { threshold, parties } = plan.newCommittee;
  const commitments: Point[] = [];
  for (let m = 0; m < threshold; m++) commitments.push(sumPoints(plan.dealers.map((i) => dealings.get(i)![m]!)));
  // Each C_i,0 was checked against λ_i·X_i and the plan's X lie on a polynomial through Y, so this cannot fail.
  if (!commitments[0]!.equals(plan.publicKey)) throw new InternalError('reshared constant terms do not sum to the group key');
  const publicShares = new Map<PartyId, Point>();
  for (const j of parties) {
    const X = evaluateCommitments(commitments, j);
    if (X.is0()) throw new ProtocolAbort(`new public share of party ${j} is the identity`, RESHARE_ROUND.dealing, []);
    publicShares.set(j, X);
  }
  const transcript = new Transcript('lux-kms/lss/confirm/v1', sid, 0)
    .integer('generation', BigInt(plan.generation + 1))
    .integer('threshold', BigInt(threshold))
    .integers('parties', parties.map(BigInt))
    .points('commitments', commitments)
    .points('public-shares', parties.map((j) => publicShares.get(j)!))
    .digest();
  return { commitments, publicShares, transcript };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function createReshareSession(input: ReshareInput): ProtocolSession<ReshareResult> {
  checkInput(input);
  const { plan, self } = input;
  const rng = input.rng ?? systemRng;
  const sid = reshareSessionId(input.sessionId, plan);
  const newThreshold = plan.newCommittee.threshold;
  const isDealer = plan.dealers.includes(self);
  const isReceiver = plan.newCommittee.parties.includes(self);
  const schnorrCtx = (prover: PartyId, transcript: Uint8Array): ProofContext => ({ phase: 'lss/confirm', sessionId: sid, prover, rho: transcript });

  const dealings = new Map<PartyId, Point[]>();
  const received = new Map<PartyId, bigint>();
  let ownShare: bigint | undefined;
  let state: PublicState;
  let secretShare: bigint | undefined;

  const start = (): Transition<ReshareResult> => {
    const outgoing: Outgoing[] = [];
    if (isDealer) {
      const polynomial = randomPolynomial(newThreshold, modQ(plan.weights.get(self)! * input.secretShare!), rng);
      const commitments = commitPolynomial(polynomial);
      dealings.set(self, commitments);
      outgoing.push({ to: null, payload: { plan: plan.digest, C: commitments.map(pointToBytes) } });
      for (const j of plan.newCommittee.parties) {
        const share = evaluatePolynomial(polynomial, BigInt(j));
        if (j === self) ownShare = share;
        else outgoing.push({ to: j, payload: { share: scalarToBytes(share) } });
      }
    }
    return { outgoing, next: dealingRound };
  };

  const confirmations = new Map<PartyId, { transcript: Uint8Array; proof: SchnorrProof }>();

  const confirmationRound: Round<ReshareResult> = {
    number: RESHARE_ROUND.confirmation,
    expects: { broadcast: true, p2p: false },
    senders: plan.newCommittee.parties,
    echo: true,
    accept(from, _kind, payload) {
      const r = new PayloadReader(payload, `reshare confirmation from party ${from}`);
      confirmations.set(from, { transcript: r.bytes('transcript', 32), proof: decodeSchnorr(r.raw('pok')) });
    },
    finalize() {
      const others = plan.newCommittee.parties.filter((j) => j !== self);
      const diverged = others.filter((j) => !equalBytes(confirmations.get(j)!.transcript, state.transcript));
      if (diverged.length) throw new ProtocolAbort('new party confirmed a different generation state', RESHARE_ROUND.confirmation, diverged);
      const badProofs = others.filter((j) => !verifySchnorr(schnorrCtx(j, state.transcript), state.publicShares.get(j)!, confirmations.get(j)!.proof).valid);
      if (badProofs.length) throw new ProtocolAbort('new party cannot prove it holds its new share', RESHARE_ROUND.confirmation, badProofs);
      const result: ReshareResult = {
        plan,
        self,
        generation: plan.generation + 1,
        threshold: newThreshold,
        parties: plan.newCommittee.parties,
        publicKey: plan.publicKey,
        commitments: state.commitments,
        publicShares: state.publicShares,
        ...(secretShare !== undefined ? { secretShare } : {}),
        transcript: state.transcript,
      };
      return { outgoing: [], result };
    },
  };

  const dealingRound: Round<ReshareResult> = {
    number: RESHARE_ROUND.dealing,
    expects: { broadcast: true, p2p: isReceiver },
    senders: plan.dealers,
    echo: true,
    accept(from: PartyId, kind: MessageKind, payload: WireValue) {
      const r = new PayloadReader(payload, `reshare dealing ${kind} from party ${from}`);
      if (kind === 'p2p') {
        received.set(from, r.scalar('share'));
        return;
      }
      if (!equalBytes(r.bytes('plan', 32), plan.digest)) {
        // Either the dealer or this party was handed a different plan: nothing here says which.
        throw new ProtocolAbort(`party ${from} deals under a different reshare plan`, RESHARE_ROUND.dealing, [], { dealer: from });
      }
      // Exactly t′ coefficients: a longer vector would silently raise the new polynomial's degree.
      dealings.set(from, r.points('C', newThreshold));
    },
    finalize() {
      const others = plan.dealers.filter((i) => i !== self);
      const wrongConstant = others.filter((i) => !dealings.get(i)![0]!.equals(dealerConstant(plan, i)));
      if (wrongConstant.length) {
        throw new ProtocolAbort(`dealer's constant term is not its Lagrange-weighted public share λ_i·X_i (dealer ${wrongConstant.join(', ')})`, RESHARE_ROUND.dealing, wrongConstant);
      }
      if (isReceiver) {
        const badShares = others.filter((i) => !verifyShare(dealings.get(i)!, self, received.get(i)!));
        if (badShares.length) {
          throw new ProtocolAbort(`share inconsistent with the dealer's Feldman commitments (dealer ${badShares.join(', ')})`, RESHARE_ROUND.dealing, badShares, {
            shares: badShares.map((i) => ({ from: i, share: received.get(i) })),
          });
        }
      }
      state = derivePublicState(plan, sid, dealings);
      if (!isReceiver) return { outgoing: [], next: confirmationRound };
      secretShare = modQ([...received.values()].reduce((a, b) => a + b, ownShare ?? 0n));
      const X = state.publicShares.get(self)!;
      if (!mulBase(secretShare).equals(X)) throw new InternalError('summed new share does not match its public share');
      const proof = proveSchnorr(schnorrCtx(self, state.transcript), X, secretShare, rng);
      return { outgoing: [{ to: null, payload: { transcript: state.transcript, pok: encodeSchnorr(proof) } }], next: confirmationRound };
    },
  };

  return new ProtocolSession<ReshareResult>({
    sessionId: input.sessionId,
    protocol: RESHARE_PROTOCOL,
    self,
    parties: plan.participants,
    auth: input.auth,
    start,
  });
}
