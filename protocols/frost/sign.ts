/**
 * FROST two-round signing (RFC 9591 §5) as a round-engine protocol among any t or more holders of a key.
 * There is no coordinator: every signer sees every commitment and share and aggregates the signature itself.
 * noble does the FROST arithmetic (commit, signShare, aggregate with per-share verification on failure).
 *
 *   start:   fresh nonces → broadcast { hiding, binding, msg: SHA-256(message) }
 *   round 1: echo-checked so all signers build the same commitment list; sign once → broadcast
 *            { share, commitments: the list the share was computed over }
 *   round 2: every share checked by noble's aggregate; a failure names the signers whose shares are bad
 *
 * Nonces are used once: they live only inside one session's round object, which refuses to sign twice, and
 * noble zeroes them after use. Restating the commitment list beside each share makes the signed message
 * self-contained evidence: anyone holding it can re-run the share check without trusting the receiver.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { NonceCommitments, Nonces } from '@noble/curves/abstract/frost.js';
import { InternalError, MalformedError, ProtocolAbort, type PartyId } from '../errors.js';
import { POINT_BYTES, pointFromBytes } from '../math/curve.js';
import { assertDistinctIds } from '../math/polynomial.js';
import { systemRng, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { MessageKind, PartyAuthenticator, Round, Transition } from '../round/types.js';
import { ciphersuite, frostIdentifier, nobleBytes, nobleRng, type Ciphersuite } from './ciphersuite.js';
import { assertKeyShareShape, noblePackages, type FrostKeyShare } from './key-share.js';
import { equalBytes } from './bytes.js';

export interface FrostSignOptions {
  share: FrostKeyShare;
  /** The parties taking part: at least `threshold` of the key's parties, this party included. */
  signers: readonly PartyId[];
  message: Uint8Array;
  sessionId: string;
  auth: PartyAuthenticator;
  rng?: Rng;
}

interface SignContext {
  suite: Ciphersuite;
  share: FrostKeyShare;
  packages: ReturnType<typeof noblePackages>;
  signers: readonly PartyId[];
  message: Uint8Array;
  messageDigest: Uint8Array;
}

function assertSigners(share: FrostKeyShare, signers: readonly PartyId[]): PartyId[] {
  if (!Array.isArray(signers)) throw new TypeError('"signers" expected an array of party ids');
  assertDistinctIds(signers);
  const outsider = signers.find((p) => !share.parties.includes(p));
  if (outsider !== undefined) throw new RangeError(`"signers" expected parties of the key [${share.parties.join(', ')}], got ${outsider}`);
  if (!signers.includes(share.self)) throw new RangeError(`"signers" expected to include this party (${share.self})`);
  if (signers.length < share.threshold) {
    throw new RangeError(`"signers" expected ${share.threshold}..${share.parties.length} parties, got ${signers.length}`);
  }
  return [...signers].sort((a, b) => a - b);
}

export function frostSign(options: FrostSignOptions): ProtocolSession<Uint8Array> {
  const plan = frostSigningPlan(options);
  return new ProtocolSession<Uint8Array>({ ...plan, sessionId: options.sessionId, auth: options.auth });
}

/**
 * Everything of a signing session but the transport identity: its protocol name, its parties (the sorted
 * signers) and its first transition. `frostSign` wraps this in a `ProtocolSession`; a test can drive the
 * rounds directly.
 */
export function frostSigningPlan(options: Omit<FrostSignOptions, 'auth'>): {
  protocol: string;
  self: PartyId;
  parties: PartyId[];
  start: () => Transition<Uint8Array>;
} {
  assertKeyShareShape(options.share);
  const signers = assertSigners(options.share, options.signers);
  if (!(options.message instanceof Uint8Array)) throw new TypeError('"message" expected Uint8Array');
  if (typeof options.sessionId !== 'string' || options.sessionId.length === 0) throw new TypeError('"sessionId" expected a non-empty string');
  const suite = ciphersuite(options.share.protocol);
  const self = options.share.self;
  const ctx: SignContext = {
    suite,
    share: options.share,
    packages: noblePackages(options.share),
    signers,
    message: Uint8Array.from(options.message),
    messageDigest: sha256(options.message),
  };
  const rng = options.rng ?? systemRng;
  return {
    protocol: `${suite.protocol}/sign`,
    self,
    parties: signers,
    start: () => {
      const { nonces, commitments } = suite.frost.commit(ctx.packages.secret, nobleRng(rng));
      return {
        outgoing: [{ to: null, payload: { hiding: commitments.hiding, binding: commitments.binding, msg: ctx.messageDigest } }],
        next: new NonceRound(ctx, nonces, commitments),
      };
    },
  };
}

/** Round 1: nonce commitments. Signs exactly once, over the list of every signer's commitments. */
class NonceRound implements Round<Uint8Array> {
  readonly number = 1;
  readonly expects = { broadcast: true, p2p: false };
  readonly echo: boolean;
  private readonly received = new Map<PartyId, NonceCommitments>();
  /** Signers whose message digest differs from ours: all named, since we may be the odd one out. */
  private readonly otherMessage = new Set<PartyId>();
  private nonces: Nonces | undefined;

  constructor(
    private readonly ctx: SignContext,
    nonces: Nonces,
    private readonly own: NonceCommitments,
  ) {
    this.nonces = nonces;
    // With two signers there is no third one to compare what was received against.
    this.echo = ctx.signers.length > 2;
  }

  accept(from: PartyId, _kind: MessageKind, payload: WireValue): void {
    const r = new PayloadReader(payload, `FROST sign round 1 from party ${from}`);
    if (!equalBytes(r.bytes('msg', 32), this.ctx.messageDigest)) this.otherMessage.add(from);
    // Only sizes here: noble decodes and checks the points when it signs; `badCommitments` attributes a failure.
    this.received.set(from, {
      identifier: frostIdentifier(this.ctx.suite, from),
      hiding: nobleBytes(r.bytes('hiding', POINT_BYTES)),
      binding: nobleBytes(r.bytes('binding', POINT_BYTES)),
    });
  }

  finalize(): Transition<Uint8Array> {
    if (this.otherMessage.size > 0) {
      this.nonces = undefined;
      throw new ProtocolAbort('signers disagree on the message', this.number, [...this.otherMessage]);
    }
    const nonces = this.nonces;
    if (nonces === undefined) throw new InternalError('FROST signing nonces were already used: refusing to sign twice');
    this.nonces = undefined;
    const { suite, packages, share } = this.ctx;
    const list = this.ctx.signers.map((p) => (p === share.self ? this.own : this.received.get(p)!));
    let sigShare: Uint8Array;
    try {
      sigShare = suite.frost.signShare(packages.secret, packages.public, nonces, list, this.ctx.message);
    } catch (e) {
      throw new ProtocolAbort('invalid nonce commitment', this.number, this.badCommitments(), { error: (e as Error).message });
    }
    return {
      outgoing: [{ to: null, payload: { share: sigShare, commitments: encodeList(this.ctx, list) } }],
      next: new ShareRound(this.ctx, list, sigShare),
    };
  }

  /** Failure path: the signers whose commitments are not valid non-identity points. */
  private badCommitments(): PartyId[] {
    return [...this.received].filter(([, c]) => !isPoint(c.hiding) || !isPoint(c.binding)).map(([p]) => p);
  }
}

function isPoint(bytes: Uint8Array): boolean {
  try {
    pointFromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

function encodeList(ctx: SignContext, list: readonly NonceCommitments[]): WireValue {
  return list.map((c, i) => [ctx.signers[i]!, c.hiding, c.binding]);
}

/** Parse a restated commitment list: strictly ascending parties, the sender's own entry present. */
function decodeList(r: PayloadReader, from: PartyId): { party: PartyId; hiding: Uint8Array; binding: Uint8Array }[] {
  const entries = r.list('commitments').map((item, i) => {
    if (!Array.isArray(item) || item.length !== 3) throw new MalformedError(`commitment list entry ${i} expected [party, hiding, binding]`);
    const [party, hiding, binding] = item;
    if (typeof party !== 'number' || !(hiding instanceof Uint8Array) || !(binding instanceof Uint8Array)) {
      throw new MalformedError(`commitment list entry ${i} expected [integer, bytes, bytes]`);
    }
    return { party, hiding, binding };
  });
  entries.forEach((e, i) => {
    const previous = entries[i - 1];
    if (previous && e.party === previous.party) throw new MalformedError(`commitment list names party ${e.party} twice`);
    if (previous && e.party < previous.party) throw new MalformedError('commitment list is not sorted by party');
  });
  if (!entries.some((e) => e.party === from)) throw new MalformedError(`commitment list has no entry for its sender ${from}`);
  return entries;
}

/** Round 2: signature shares. Aggregates and verifies; bad shares are attributed by noble per signer. */
class ShareRound implements Round<Uint8Array> {
  readonly number = 2;
  readonly expects = { broadcast: true, p2p: false };
  private readonly shares = new Map<PartyId, Uint8Array>();
  private readonly otherList = new Set<PartyId>();

  constructor(
    private readonly ctx: SignContext,
    private readonly list: readonly NonceCommitments[],
    ownShare: Uint8Array,
  ) {
    this.shares.set(ctx.share.self, ownShare);
  }

  accept(from: PartyId, _kind: MessageKind, payload: WireValue): void {
    const r = new PayloadReader(payload, `FROST sign round 2 from party ${from}`);
    r.scalar('share');
    const theirs = decodeList(r, from);
    const same =
      theirs.length === this.list.length &&
      theirs.every((e, i) => e.party === this.ctx.signers[i] && equalBytes(e.hiding, this.list[i]!.hiding) && equalBytes(e.binding, this.list[i]!.binding));
    if (!same) this.otherList.add(from);
    this.shares.set(from, r.bytes('share', 32));
  }

  finalize(): Transition<Uint8Array> {
    if (this.otherList.size > 0) {
      throw new ProtocolAbort('signature share computed over a different commitment list', this.number, [...this.otherList]);
    }
    const { suite, packages } = this.ctx;
    const byIdentifier: Record<string, Uint8Array> = {};
    const partyOf = new Map<string, PartyId>();
    for (const [p, s] of this.shares) {
      const id = frostIdentifier(suite, p);
      byIdentifier[id] = s;
      partyOf.set(id, p);
    }
    try {
      return { outgoing: [], result: suite.frost.aggregate(packages.public, [...this.list], this.ctx.message, byIdentifier) };
    } catch (e) {
      // noble's aggregation error lists the identifiers whose shares fail RFC 9591 §5.4 verification.
      const cheaters = (e as { cheaters?: unknown }).cheaters;
      const culprits = Array.isArray(cheaters) ? cheaters.map((id) => partyOf.get(id as string)).filter((p): p is PartyId => p !== undefined) : [];
      throw new ProtocolAbort('invalid signature share', this.number, culprits, { error: (e as Error).message });
    }
  }
}
