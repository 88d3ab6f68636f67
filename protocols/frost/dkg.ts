/**
 * FROST distributed key generation (Pedersen DKG with proofs of knowledge, as in the reference implementation)
 * as a round-engine protocol. noble computes and checks everything; this file moves its packages between
 * parties, makes round 1 a reliable broadcast (echo check), and turns noble's anonymous failures into blame.
 *
 *   start:   noble round 1 → broadcast { commitments (t points), pok }
 *   round 1: every package has the right sizes (else its sender is blamed at once); noble round 2 checks every
 *            point and proof of knowledge → one share to each party, point to point
 *   round 2: noble round 3 checks every share against its sender's commitments → the key share
 */
import type { DKG_Round1, DKG_Round2, DKG_Secret, Signers } from '@noble/curves/abstract/frost.js';
import { MalformedError, ProtocolAbort, type PartyId } from '../errors.js';
import { POINT_BYTES, pointFromBytes, scalarFromBytes, sumPoints } from '../math/curve.js';
import { assertDistinctIds } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import { verifyShare } from '../math/vss.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { MessageKind, PartyAuthenticator, Round, Transition } from '../round/types.js';
import { ciphersuite, frostIdentifier, nobleBytes, nobleRng, type Ciphersuite, type FrostProtocol } from './ciphersuite.js';
import type { FrostKeyShare } from './key-share.js';
import { xOnly } from './taproot.js';

export interface FrostKeygenOptions {
  protocol: FrostProtocol;
  sessionId: string;
  self: PartyId;
  /** Every party that will hold a share. */
  parties: readonly PartyId[];
  /** Minimum number of signers t, 2..n. */
  threshold: number;
  auth: PartyAuthenticator;
  rng?: Rng;
}

interface KeygenContext {
  suite: Ciphersuite;
  self: PartyId;
  parties: readonly PartyId[];
  others: readonly PartyId[];
  signers: Signers;
  rng: Rng;
}

export function frostKeygen(options: FrostKeygenOptions): ProtocolSession<FrostKeyShare> {
  const suite = ciphersuite(options.protocol);
  if (typeof options.sessionId !== 'string' || options.sessionId.length === 0) throw new TypeError('"sessionId" expected a non-empty string');
  if (!Array.isArray(options.parties)) throw new TypeError('"parties" expected an array of party ids');
  assertDistinctIds(options.parties);
  const parties = [...options.parties].sort((a, b) => a - b);
  const n = parties.length;
  if (!Number.isSafeInteger(options.threshold) || options.threshold < 2 || options.threshold > n) {
    throw new RangeError(`"threshold" expected integer 2..${n}, got ${options.threshold}`);
  }
  if (!parties.includes(options.self)) throw new RangeError(`"self" expected one of [${parties.join(', ')}], got ${options.self}`);
  const ctx: KeygenContext = {
    suite,
    self: options.self,
    parties,
    others: parties.filter((p) => p !== options.self),
    signers: { min: options.threshold, max: n },
    rng: options.rng ?? systemRng,
  };
  return new ProtocolSession<FrostKeyShare>({
    sessionId: options.sessionId,
    protocol: `${suite.protocol}/keygen`,
    self: options.self,
    parties,
    auth: options.auth,
    start: () => {
      const { public: pkg, secret } = suite.frost.DKG.round1(frostIdentifier(suite, ctx.self), ctx.signers, undefined, nobleRng(ctx.rng));
      return {
        outgoing: [{ to: null, payload: { commitments: pkg.commitment, pok: pkg.proofOfKnowledge } }],
        next: new CommitmentRound(ctx, secret, pkg),
      };
    },
  });
}

/** Round 1: every party's commitments and proof of knowledge, echo-checked so all parties see the same ones. */
class CommitmentRound implements Round<FrostKeyShare> {
  readonly number = 1;
  readonly expects = { broadcast: true, p2p: false };
  readonly echo: boolean;
  private readonly received = new Map<PartyId, DKG_Round1>();

  constructor(
    private readonly ctx: KeygenContext,
    private readonly secret: DKG_Secret,
    private readonly own: DKG_Round1,
  ) {
    // With two parties there is no third one to compare what was received against.
    this.echo = ctx.parties.length > 2;
  }

  accept(from: PartyId, _kind: MessageKind, payload: WireValue): void {
    const r = new PayloadReader(payload, `FROST keygen round 1 from party ${from}`);
    // Only sizes here (the count is the polynomial degree); noble decodes and checks the points in finalize.
    const commitments = r.list('commitments', this.ctx.signers.min).map((c, i) => {
      if (!(c instanceof Uint8Array) || c.length !== POINT_BYTES) throw new MalformedError(`commitment ${i} expected ${POINT_BYTES} bytes`);
      return nobleBytes(c);
    });
    this.received.set(from, {
      identifier: frostIdentifier(this.ctx.suite, from),
      commitment: commitments,
      proofOfKnowledge: nobleBytes(r.bytes('pok', this.ctx.suite.signatureBytes)),
    });
  }

  finalize(): Transition<FrostKeyShare> {
    const { suite } = this.ctx;
    const packages = this.ctx.others.map((p) => this.received.get(p)!);
    let outbound: Record<string, DKG_Round2>;
    try {
      outbound = suite.frost.DKG.round2(this.secret, packages);
    } catch (e) {
      this.ctx.suite.frost.DKG.clean(this.secret);
      throw new ProtocolAbort('invalid commitment or proof of knowledge', this.number, this.badPackages(), { error: (e as Error).message });
    }
    return {
      outgoing: this.ctx.others.map((p) => ({ to: p, payload: { share: outbound[frostIdentifier(suite, p)]!.signingShare } })),
      next: new ShareRound(this.ctx, this.secret, this.own, packages),
    };
  }

  /**
   * noble checks the packages (points, then proofs) as a batch and its error does not say whose failed. To
   * blame, re-run the same check on each suspect alone, with freshly made valid packages in the other slots.
   * Failure path only.
   */
  private badPackages(): PartyId[] {
    const { suite, signers, others } = this.ctx;
    const selfId = frostIdentifier(suite, this.ctx.self);
    const fillers = new Map(others.map((p) => [p, suite.frost.DKG.round1(frostIdentifier(suite, p), signers).public]));
    return others.filter((suspect) => {
      const probe = suite.frost.DKG.round1(selfId, signers).secret;
      try {
        suite.frost.DKG.round2(probe, others.map((p) => (p === suspect ? this.received.get(p)! : fillers.get(p)!)));
        return false;
      } catch {
        return true;
      } finally {
        suite.frost.DKG.clean(probe);
      }
    });
  }
}

/** Round 2: the shares addressed to us; noble checks each against its sender's commitments. */
class ShareRound implements Round<FrostKeyShare> {
  readonly number = 2;
  readonly expects = { broadcast: false, p2p: true };
  private readonly shares = new Map<PartyId, DKG_Round2>();

  constructor(
    private readonly ctx: KeygenContext,
    private readonly secret: DKG_Secret,
    private readonly own: DKG_Round1,
    private readonly packages: DKG_Round1[],
  ) {}

  accept(from: PartyId, _kind: MessageKind, payload: WireValue): void {
    const r = new PayloadReader(payload, `FROST keygen round 2 from party ${from}`);
    r.scalar('share');
    this.shares.set(from, { identifier: frostIdentifier(this.ctx.suite, from), signingShare: nobleBytes(r.bytes('share', 32)) });
  }

  finalize(): Transition<FrostKeyShare> {
    const { suite, others } = this.ctx;
    let key;
    try {
      key = suite.frost.DKG.round3(this.secret, this.packages, others.map((p) => this.shares.get(p)!));
    } catch (e) {
      suite.frost.DKG.clean(this.secret);
      throw new ProtocolAbort('share inconsistent with its sender\'s commitments', this.number, this.badShares(), { error: (e as Error).message });
    }
    const verifyingShares = new Map<PartyId, Uint8Array>();
    for (const p of this.ctx.parties) verifyingShares.set(p, key.public.verifyingShares[frostIdentifier(suite, p)]!);
    const commitments = key.public.commitments;
    const share: FrostKeyShare = {
      protocol: suite.protocol,
      threshold: this.ctx.signers.min,
      parties: this.ctx.parties,
      self: this.ctx.self,
      secretShare: key.secret.signingShare,
      verifyingShares,
      commitments,
      // x-only is the compressed encoding without its parity byte.
      publicKey: suite.protocol === 'frost' ? commitments[0]! : commitments[0]!.slice(1),
      ...(suite.protocol === 'frost-taproot' ? { internalKey: this.internalKey() } : {}),
      generation: 0,
    };
    // That noble's tweaked key is the BIP-341 output key of `internalKey` is checked where shares are loaded
    // (`validateKeyShare`) and by the tests, not again on every keygen.
    return { outgoing: [], result: share };
  }

  /** The untweaked group key P = Σ A_i0, x-only: BIP-341's internal key. */
  private internalKey(): Uint8Array {
    const firsts = [this.own, ...this.packages].map((pkg) => pointFromBytes(pkg.commitment[0]!));
    return xOnly(sumPoints(firsts));
  }

  /** Failure path: which senders' shares fail the Feldman check against their own commitments. */
  private badShares(): PartyId[] {
    return this.ctx.others.filter((p) => {
      const commitments = this.packages.find((pkg) => pkg.identifier === frostIdentifier(this.ctx.suite, p))!.commitment.map(pointFromBytes);
      return !verifyShare(commitments, this.ctx.self, scalarFromBytes(this.shares.get(p)!.signingShare));
    });
  }
}
