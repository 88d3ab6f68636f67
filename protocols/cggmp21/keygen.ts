/**
 * Threshold key generation, t-of-n, no dealer (guide §4.1; [L] threshold.rs, n-of-n origin [P] Fig. 5).
 * Round 1: hash commitment to (rid_i, Feldman commitments S⃗_i, Schnorr commitment A_i) [echo].
 * Round 2: open it (bcast) and send each party its share f_i(j) (p2p).
 * Round 3: after every check, bcast the Schnorr response proving knowledge of x_i for X_i.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import { commit, verifyCommitment, type CommittedItem } from '../math/commitment.js';
import { mulBase, modQ, pointToBytes, scalarToBytes, sumPoints, type Point } from '../math/curve.js';
import { commitPolynomial, evaluatePolynomial, randomPolynomial } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import { evaluateCommitments, verifyShare } from '../math/vss.js';
import { validateCommittee } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { PartyAuthenticator, Round, Transition } from '../round/types.js';
import { schnorrCommit, schnorrRespond, verifySchnorr } from '../zk/sch.js';
import type { ProofContext } from '../zk/proof.js';
import { phaseSessionId } from './session-id.js';
import type { EcdsaKeyShare } from './types.js';

export const KEYGEN_PROTOCOL = 'cggmp21-keygen';
const RID_BYTES = 32;

export interface KeygenInput {
  sessionId: string;
  self: PartyId;
  parties: readonly PartyId[];
  threshold: number;
  auth: PartyAuthenticator;
  rng?: Rng;
}

interface Decommitment {
  rid: Uint8Array;
  commitments: Point[];
  A: Point;
  opening: Uint8Array;
}

function committedItems(rid: Uint8Array, commitments: readonly Point[], A: Point): CommittedItem[] {
  return [
    { label: 'rid', bytes: rid },
    { label: 'S', points: commitments },
    { label: 'A', point: A },
  ];
}

export function createKeygenSession(input: KeygenInput): ProtocolSession<EcdsaKeyShare> {
  const { threshold, parties, self } = validateCommittee(input.threshold, input.parties, input.self);
  const rng = input.rng ?? systemRng;
  const sid = phaseSessionId({ phase: 'kg', executionId: input.sessionId, threshold, parties });
  const others = parties.filter((p) => p !== self);

  const polynomial = randomPolynomial(threshold, undefined, rng);
  const ownCommitments = commitPolynomial(polynomial);
  const ownRid = rng.bytes(RID_BYTES);
  const schnorr = schnorrCommit(rng);
  const own = commit('kg/com', sid, self, committedItems(ownRid, ownCommitments, schnorr.A), rng);

  const hashCommitments = new Map<PartyId, Uint8Array>();
  const decommitments = new Map<PartyId, Decommitment>([[self, { rid: ownRid, commitments: ownCommitments, A: schnorr.A, opening: own.opening }]]);
  const receivedShares = new Map<PartyId, bigint>();
  const responses = new Map<PartyId, bigint>();

  let rid: Uint8Array;
  let publicShares: Map<PartyId, Point>;
  let secretShare: bigint;
  const schnorrCtx = (prover: PartyId): ProofContext => ({ phase: 'kg/sch', sessionId: sid, prover, rho: rid });

  const round3: Round<EcdsaKeyShare> = {
    number: 3,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      responses.set(from, new PayloadReader(payload, 'keygen round 3').scalar('z'));
    },
    finalize() {
      const culprits = others.filter((j) => {
        const proof = { A: decommitments.get(j)!.A, z: responses.get(j)! };
        return !verifySchnorr(schnorrCtx(j), publicShares.get(j)!, proof).valid;
      });
      if (culprits.length) throw new ProtocolAbort('Schnorr proof of the key share fails', 3, culprits);
      const publicKey = sumPoints(parties.map((j) => decommitments.get(j)!.commitments[0]!));
      if (publicKey.is0()) throw new ProtocolAbort('public key is the identity', 3, []);
      return {
        outgoing: [],
        result: { threshold, parties, self, secretShare, publicShares, publicKey, rid, generation: 0 },
      };
    },
  };

  const round2: Round<EcdsaKeyShare> = {
    number: 2,
    expects: { broadcast: true, p2p: true },
    accept(from, kind, payload) {
      const r = new PayloadReader(payload, `keygen round 2 ${kind}`);
      if (kind === 'p2p') {
        receivedShares.set(from, r.scalar('share'));
        return;
      }
      const commitments = r.list('S');
      // Threshold-raise attack (tss-lib 843de68): a longer vector would silently raise the degree.
      if (commitments.length !== threshold) {
        throw new ProtocolAbort(`Feldman commitment has ${commitments.length} coefficients, expected ${threshold}`, 2, [from]);
      }
      decommitments.set(from, { rid: r.bytes('rid', RID_BYTES), commitments: r.points('S', threshold), A: r.point('A'), opening: r.bytes('u', 32) });
    },
    finalize(): Transition<EcdsaKeyShare> {
      for (const j of others) {
        const d = decommitments.get(j)!;
        if (!verifyCommitment('kg/com', sid, j, committedItems(d.rid, d.commitments, d.A), d.opening, hashCommitments.get(j)!)) {
          throw new ProtocolAbort('decommitment does not open the round-1 commitment', 2, [j]);
        }
      }
      const badShares = others.filter((j) => !verifyShare(decommitments.get(j)!.commitments, self, receivedShares.get(j)!));
      if (badShares.length) {
        throw new ProtocolAbort('share inconsistent with the Feldman commitment', 2, badShares, {
          shares: badShares.map((j) => ({ from: j, share: receivedShares.get(j) })),
        });
      }
      rid = new Uint8Array(RID_BYTES);
      for (const j of parties) decommitments.get(j)!.rid.forEach((b, k) => (rid[k]! ^= b));
      publicShares = new Map();
      for (const c of parties) {
        const Xc = sumPoints(parties.map((j) => evaluateCommitments(decommitments.get(j)!.commitments, c)));
        if (Xc.is0()) throw new ProtocolAbort(`public share of party ${c} is the identity`, 2, []);
        publicShares.set(c, Xc);
      }
      secretShare = modQ(evaluatePolynomial(polynomial, BigInt(self)) + [...receivedShares.values()].reduce((a, b) => a + b, 0n));
      if (!mulBase(secretShare).equals(publicShares.get(self)!)) throw new Error('own share does not match its public share');
      const z = schnorrRespond(schnorrCtx(self), publicShares.get(self)!, secretShare, schnorr);
      return { outgoing: [{ to: null, payload: { z: scalarToBytes(z) } }], next: round3 };
    },
  };

  const round1: Round<EcdsaKeyShare> = {
    number: 1,
    expects: { broadcast: true, p2p: false },
    echo: true,
    accept(from, _kind, payload) {
      hashCommitments.set(from, new PayloadReader(payload, 'keygen round 1').bytes('V', 32));
    },
    finalize() {
      const mine = decommitments.get(self)!;
      const outgoing = [
        { to: null, payload: { rid: mine.rid, S: mine.commitments.map(pointToBytes), A: pointToBytes(mine.A), u: mine.opening } },
        ...others.map((j) => ({ to: j, payload: { share: scalarToBytes(evaluatePolynomial(polynomial, BigInt(j))) } })),
      ];
      return { outgoing, next: round2 };
    },
  };

  return new ProtocolSession<EcdsaKeyShare>({
    sessionId: input.sessionId,
    protocol: KEYGEN_PROTOCOL,
    self,
    parties,
    auth: input.auth,
    start: () => ({ outgoing: [{ to: null, payload: { V: own.commitment } }], next: round1 }),
  });
}

