/**
 * The presignature record (guide §4.9): what one party keeps from a presigning run, sealed and single use.
 * Besides (R, k_i, χ_i) it holds everything the identification procedures (§4.7 after a failed δ check, §4.8 after
 * an invalid signature) need to rebuild and re-prove: own nonces and masks, and every public ciphertext and point
 * of the run exactly as its maker signed it. The plaintexts y of §4.7/§4.8 are recomputed by decryption.
 *
 * `PresignatureHandle` makes single use part of the type: the only way to obtain what signing consumes is
 * `consume()`, which first awaits the node's "mark used and persist" hook, and works once.
 */
import { MalformedError, type PartyId } from '../errors.js';
import { pointToBytes, type Point } from '../math/curve.js';
import { decodeWire, encodeWire, type WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { PARAMETER_SETS, type Cggmp21Params } from './params.js';

/** What party j published to the whole quorum during presigning (its signed, echoed broadcasts). */
export interface PresignPartyRecord {
  /** K_j = enc_j(k_j; ρ_j), round 1. */
  readonly K: bigint;
  /** G_j = enc_j(γ_j; ν_j), round 1. */
  readonly G: bigint;
  /** Γ_j = γ_j·G, round 2. */
  readonly Gamma: Point;
  /** δ_j, round 3. */
  readonly delta: bigint;
  /** Δ_j = k_j·Γ, round 3. */
  readonly Delta: Point;
}

/**
 * The four MtA ciphertexts that party i made for peer j (`mta.get(i).get(j)`), as i broadcast them in round 2.
 * With the guide's indices: D = D_{j,i} and D̂ = D̂_{j,i} under N_j; F = F_{j,i} and F̂ = F̂_{j,i} under N_i.
 * F encrypts −β (the Lockness/Taurus sign convention, guide §4.5).
 */
export interface MtaCiphertexts {
  /** D_{j,i} = (γ_i ⊙ K_j) ⊕ enc_j(−β_{i,j}; s). */
  readonly D: bigint;
  /** F_{j,i} = enc_i(−β_{i,j}; r). */
  readonly F: bigint;
  /** D̂_{j,i} = (x_i ⊙ K_j) ⊕ enc_j(−β̂_{i,j}; ŝ), x_i Lagrange-weighted. */
  readonly Dhat: bigint;
  /** F̂_{j,i} = enc_i(−β̂_{i,j}; r̂). */
  readonly Fhat: bigint;
}

/** This party's own secrets of its MtA towards peer j: the masks and the nonce of each ciphertext. */
export interface MtaSecrets {
  /** β_{i,j} ∈ J_{ℓ′} (D and F encrypt −β). */
  readonly beta: bigint;
  readonly betaHat: bigint;
  /** Nonce of enc_j(−β) inside D, in Z*_{N_j}. */
  readonly s: bigint;
  readonly sHat: bigint;
  /** Nonce of F, in Z*_{N_i}. */
  readonly r: bigint;
  readonly rHat: bigint;
}

export interface Presignature {
  readonly version: 1;
  /** Parameter set the run used (fixes every bound the identification proofs need). */
  readonly params: Cggmp21Params['name'];
  /** The presigning phase sid: every proof of the run is bound to it. */
  readonly sessionId: Uint8Array;
  /** Generation of the key share and aux info the run used; a refresh erases older presignatures. */
  readonly generation: number;
  readonly self: PartyId;
  /** The signing quorum S, ascending; the presignature can only sign with exactly this quorum. */
  readonly quorum: readonly PartyId[];
  /** Y. */
  readonly publicKey: Point;
  /** λ_j·X_j for j ∈ S (Lagrange-weighted public shares, summing to Y): the X_j of Π^aff-g and Π^mul*. */
  readonly weightedShares: ReadonlyMap<PartyId, Point>;
  /** R = δ^{-1}·Γ = k^{-1}·G. */
  readonly R: Point;
  /** k_i, χ_i, γ_i as scalars mod q. */
  readonly k: bigint;
  readonly chi: bigint;
  readonly gamma: bigint;
  /** Nonces of K_i and G_i, in Z*_{N_i}. */
  readonly rho: bigint;
  readonly nu: bigint;
  /** Public values per quorum member (self included). */
  readonly parties: ReadonlyMap<PartyId, PresignPartyRecord>;
  /** `mta.get(i).get(j)`: the ciphertexts i made for j, for every ordered pair i ≠ j of S. */
  readonly mta: ReadonlyMap<PartyId, ReadonlyMap<PartyId, MtaCiphertexts>>;
  /** Own MtA secrets, keyed by peer. */
  readonly masks: ReadonlyMap<PartyId, MtaSecrets>;
}

// ---------------------------------------------------------------------------------------------------------------
// Sealed-storage encoding. A stored record is data, not trust: decoding re-validates every shape and size.

function scalarBytes(x: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
}

export function presignatureToWire(p: Presignature): WireValue {
  return {
    version: p.version,
    params: p.params,
    sid: p.sessionId,
    generation: p.generation,
    self: p.self,
    quorum: [...p.quorum],
    Y: pointToBytes(p.publicKey),
    X: p.quorum.map((j) => pointToBytes(p.weightedShares.get(j)!)),
    R: pointToBytes(p.R),
    k: scalarBytes(p.k),
    chi: scalarBytes(p.chi),
    gamma: scalarBytes(p.gamma),
    rho: p.rho,
    nu: p.nu,
    parties: p.quorum.map((j) => {
      const r = p.parties.get(j)!;
      return { K: r.K, G: r.G, Gamma: pointToBytes(r.Gamma), delta: scalarBytes(r.delta), Delta: pointToBytes(r.Delta) };
    }),
    mta: p.quorum.flatMap((i) =>
      p.quorum.filter((j) => j !== i).map((j) => {
        const c = p.mta.get(i)!.get(j)!;
        return { from: i, to: j, D: c.D, F: c.F, Dhat: c.Dhat, Fhat: c.Fhat };
      }),
    ),
    masks: p.quorum
      .filter((j) => j !== p.self)
      .map((j) => {
        const m = p.masks.get(j)!;
        return { peer: j, beta: m.beta, betaHat: m.betaHat, s: m.s, sHat: m.sHat, r: m.r, rHat: m.rHat };
      }),
  };
}

export function encodePresignature(p: Presignature): Uint8Array {
  return encodeWire(presignatureToWire(p));
}

function partyList(reader: PayloadReader, field: string): PartyId[] {
  const ids = reader.list(field).map((v, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new MalformedError(`presignature: "${field}[${i}]" expected a positive party id`);
    return v;
  });
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) throw new MalformedError(`presignature: "${field}" expected strictly ascending ids`);
  }
  return ids;
}

function nestedAt(reader: PayloadReader, field: string, index: number): PayloadReader {
  return new PayloadReader(reader.list(field)[index]!, `presignature.${field}[${index}]`);
}

/** Rebuilds a record from `encodePresignature` bytes; MalformedError on any deviation from the honest shape. */
export function decodePresignature(bytes: Uint8Array): Presignature {
  const reader = new PayloadReader(decodeWire(bytes), 'presignature');
  if (reader.integer('version') !== 1) throw new MalformedError('presignature: "version" expected 1');
  const name = reader.string('params', 32);
  const params = (PARAMETER_SETS as Record<string, Cggmp21Params | undefined>)[name];
  if (!params) throw new MalformedError(`presignature: "params" expected a known parameter set, got ${name}`);
  const nBits = params.paillierBits;
  const ctBits = 2 * nBits;
  const maskBits = params.ellPrime + 1;
  const quorum = partyList(reader, 'quorum');
  const self = reader.integer('self');
  if (!quorum.includes(self)) throw new MalformedError('presignature: "self" expected a member of the quorum');
  const generation = reader.integer('generation');
  if (!Number.isSafeInteger(generation) || generation < 0) throw new MalformedError('presignature: "generation" expected a non-negative integer');
  const X = reader.points('X', quorum.length);
  const partyReaders = reader.list('parties', quorum.length).map((_, i) => nestedAt(reader, 'parties', i));
  const parties = new Map<PartyId, PresignPartyRecord>(
    quorum.map((j, i) => {
      const r = partyReaders[i]!;
      return [j, { K: r.bigint('K', ctBits), G: r.bigint('G', ctBits), Gamma: r.point('Gamma'), delta: r.scalar('delta'), Delta: r.point('Delta') }];
    }),
  );
  const mta = new Map<PartyId, Map<PartyId, MtaCiphertexts>>(quorum.map((i) => [i, new Map()]));
  const pairs = quorum.length * (quorum.length - 1);
  reader.list('mta', pairs).forEach((_, index) => {
    const r = nestedAt(reader, 'mta', index);
    const from = r.integer('from');
    const to = r.integer('to');
    const row = mta.get(from);
    if (!row || from === to || !quorum.includes(to) || row.has(to)) throw new MalformedError(`presignature: "mta[${index}]" has a bad or repeated pair`);
    row.set(to, { D: r.bigint('D', ctBits), F: r.bigint('F', ctBits), Dhat: r.bigint('Dhat', ctBits), Fhat: r.bigint('Fhat', ctBits) });
  });
  const peers = quorum.filter((j) => j !== self);
  const masks = new Map<PartyId, MtaSecrets>();
  reader.list('masks', peers.length).forEach((_, index) => {
    const r = nestedAt(reader, 'masks', index);
    const peer = r.integer('peer');
    if (peer !== peers[index]) throw new MalformedError(`presignature: "masks[${index}]" expected peer ${peers[index]}`);
    masks.set(peer, {
      beta: r.bigint('beta', maskBits),
      betaHat: r.bigint('betaHat', maskBits),
      s: r.bigint('s', nBits),
      sHat: r.bigint('sHat', nBits),
      r: r.bigint('r', nBits),
      rHat: r.bigint('rHat', nBits),
    });
  });
  const k = reader.scalar('k');
  if (k === 0n) throw new MalformedError('presignature: "k" expected a non-zero scalar');
  return {
    version: 1,
    params: params.name,
    sessionId: reader.bytes('sid'),
    generation,
    self,
    quorum,
    publicKey: reader.point('Y'),
    weightedShares: new Map(quorum.map((j, i) => [j, X[i]!])),
    R: reader.point('R'),
    k,
    chi: reader.scalar('chi'),
    gamma: reader.scalar('gamma'),
    rho: reader.bigint('rho', nBits),
    nu: reader.bigint('nu', nBits),
    parties,
    mta,
    masks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Single use.

const spentToken = Symbol('spent presignature');

/**
 * A presignature that has been marked used (the hook resolved): the only input signing accepts. `take()` hands the
 * record over once, so one consume can feed at most one signing session.
 */
export class SpentPresignature {
  private record: Presignature | undefined;

  /** Only `PresignatureHandle.consume` can build one (the token is module-private). */
  constructor(token: typeof spentToken, record: Presignature) {
    if (token !== spentToken) throw new TypeError('SpentPresignature is created by PresignatureHandle.consume()');
    this.record = record;
  }

  take(): Presignature {
    const record = this.record;
    if (!record) throw new RangeError('presignature already used: a presignature signs exactly once');
    this.record = undefined;
    return record;
  }
}

/**
 * Wraps a stored presignature with the node's hook that atomically marks it used and persists that. `consume()`
 * may succeed once: the handle is spent before the hook is even awaited, so concurrent calls cannot both win, and a
 * failing hook leaves the presignature unusable (it may have been marked): never retry with it.
 */
export class PresignatureHandle {
  private state: 'fresh' | 'consuming' | 'spent' = 'fresh';

  constructor(
    private readonly record: Presignature,
    private readonly markUsed: (record: Presignature) => Promise<void> | void,
  ) {
    if (typeof markUsed !== 'function') throw new TypeError(`"markUsed" expected function, got ${typeof markUsed}`);
  }

  get used(): boolean {
    return this.state !== 'fresh';
  }

  async consume(): Promise<SpentPresignature> {
    if (this.state !== 'fresh') throw new RangeError('presignature already used: a presignature signs exactly once');
    this.state = 'consuming';
    await this.markUsed(this.record);
    this.state = 'spent';
    return new SpentPresignature(spentToken, this.record);
  }
}
