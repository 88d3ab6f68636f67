/**
 * The reshare plan: which committee holds generation k of a key, which of its parties deal, and which committee
 * (with which threshold) receives generation k+1. Every participant builds the same plan from public data, and
 * `validateResharePlan` is the one gate: a plan that passes it can run; anything else is refused before any
 * session exists. The plan's digest is bound into the session, so parties working from different plans cannot
 * produce a confirmed result.
 */
import { InvalidInputError, MalformedError, type PartyId } from '../errors.js';
import { mulPublic, Point, pointToBytes, sumPoints } from '../math/curve.js';
import { lagrangeCoefficientAt } from '../math/polynomial.js';
import { Transcript } from '../math/transcript.js';
import type { WireValue } from '../math/wire.js';
import { validateParties } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import { taprootOutputPoint } from '../frost/taproot.js';

/** What kind of key is reshared; it decides the share type the result converts to. */
export type ReshareScheme = 'ecdsa' | 'frost' | 'frost-taproot';
const SCHEMES: readonly ReshareScheme[] = ['ecdsa', 'frost', 'frost-taproot'];

export interface ResharePlanInput {
  readonly scheme: ReshareScheme;
  /**
   * The group key Y the shares interpolate to; it never changes. For `frost-taproot` this is the BIP-341 output
   * point Q (the stored shares are already tweaked), with its real y parity.
   */
  readonly publicKey: Point;
  /** `frost-taproot` only: the x-only internal key P that Q is tweaked from (carried unchanged to the new shares). */
  readonly internalKey?: Uint8Array;
  /** Generation k of the shares being reshared; the result is generation k+1. */
  readonly generation: number;
  /** The committee holding generation k, with every party's public share X_j = x_j·G. */
  readonly oldCommittee: {
    readonly threshold: number;
    readonly parties: readonly PartyId[];
    readonly publicShares: ReadonlyMap<PartyId, Point>;
  };
  /** The old parties that deal: at least `oldCommittee.threshold` of them. */
  readonly dealers: readonly PartyId[];
  /** The committee that receives generation k+1. It may overlap the old one or be disjoint from it. */
  readonly newCommittee: { readonly threshold: number; readonly parties: readonly PartyId[] };
}

/** Who deals and who receives, with the new threshold: the part of a plan the operator chooses. */
export interface ReshareTarget {
  /** Old parties that deal (at least the old threshold). */
  readonly dealers: readonly PartyId[];
  readonly threshold: number;
  readonly parties: readonly PartyId[];
}

/** A validated plan: ids sorted and distinct, public shares consistent with the key. */
export interface ResharePlan extends ResharePlanInput {
  /** Everyone in the session: dealers ∪ new committee, ascending. */
  readonly participants: readonly PartyId[];
  /** λ_i over the dealer set for each dealer: dealer i re-shares λ_i·x_i, and λ_i·X_i is its public constant term. */
  readonly weights: ReadonlyMap<PartyId, bigint>;
  /** 32-byte digest of every field above: what all participants must agree on. */
  readonly digest: Uint8Array;
}

function fail(message: string): never {
  throw new InvalidInputError(message);
}

function checkThreshold(name: string, threshold: number, n: number, min = 1, why = ''): void {
  if (!Number.isInteger(threshold) || threshold < min || threshold > n) fail(`"${name}" expected integer ${min}..${n}${why}, got ${threshold}`);
}

/**
 * The public shares must be exactly the old committee's and lie on one polynomial of degree t−1 whose value at 0
 * is Y: otherwise a dealer's constant-term check would be against wrong values and blame honest parties.
 */
function checkPublicShares(plan: ResharePlanInput, parties: readonly PartyId[]): void {
  const { publicShares, threshold } = plan.oldCommittee;
  if (!(publicShares instanceof Map)) throw new TypeError('"oldCommittee.publicShares" expected a Map of party id to point');
  if (publicShares.size !== parties.length || parties.some((p) => !publicShares.has(p))) {
    fail(`"oldCommittee.publicShares" expected exactly one entry per old party [${parties.join(', ')}]`);
  }
  for (const [p, X] of publicShares) {
    if (!(X instanceof Point) || X.is0()) fail(`"oldCommittee.publicShares" entry for party ${p} expected a non-identity point`);
  }
  const basis = parties.slice(0, threshold);
  const at = (x: bigint) => sumPoints(basis.map((j) => mulPublic(publicShares.get(j)!, lagrangeCoefficientAt(basis, j, x))));
  if (!at(0n).equals(plan.publicKey)) fail('"oldCommittee.publicShares" do not interpolate to "publicKey"');
  for (const c of parties.slice(threshold)) {
    if (!at(BigInt(c)).equals(publicShares.get(c)!)) fail(`"oldCommittee.publicShares" entry for party ${c} is off the degree-${threshold - 1} polynomial`);
  }
}

function checkKey(plan: ResharePlanInput, newThreshold: number, n: number): void {
  if (!SCHEMES.includes(plan.scheme)) throw new TypeError(`"scheme" expected one of ${SCHEMES.join(', ')}, got ${String(plan.scheme)}`);
  if (!(plan.publicKey instanceof Point) || plan.publicKey.is0()) throw new TypeError('"publicKey" expected a non-identity point');
  if (plan.scheme !== 'ecdsa') checkThreshold('newCommittee.threshold', newThreshold, n, 2, ' (FROST has no 1-of-n mode)');
  if (plan.scheme !== 'frost-taproot') {
    if (plan.internalKey !== undefined) throw new TypeError(`"internalKey" is only for frost-taproot keys, not ${plan.scheme}`);
    return;
  }
  if (!(plan.internalKey instanceof Uint8Array) || plan.internalKey.length !== 32) throw new TypeError('"internalKey" expected 32 bytes for frost-taproot');
  let Q: Point;
  try {
    Q = taprootOutputPoint(plan.internalKey);
  } catch (e) {
    fail(`"internalKey" is not a valid x-only key: ${(e as Error).message}`);
  }
  if (!Q.equals(plan.publicKey)) fail('"publicKey" expected the BIP-341 output point of "internalKey"');
}

export function validateResharePlan(input: ResharePlanInput): ResharePlan {
  if (typeof input !== 'object' || input === null) throw new TypeError('"plan" expected an object');
  if (!Number.isSafeInteger(input.generation) || input.generation < 0) fail(`"generation" expected integer ≥ 0, got ${input.generation}`);
  const oldParties = validateParties(input.oldCommittee?.parties, 'oldCommittee.parties');
  const oldThreshold = input.oldCommittee.threshold;
  checkThreshold('oldCommittee.threshold', oldThreshold, oldParties.length);
  const newParties = validateParties(input.newCommittee?.parties, 'newCommittee.parties');
  const newThreshold = input.newCommittee.threshold;
  checkThreshold('newCommittee.threshold', newThreshold, newParties.length);
  const dealers = validateParties(input.dealers, 'dealers');
  const outsider = dealers.find((d) => !oldParties.includes(d));
  if (outsider !== undefined) fail(`"dealers" has ${outsider}, which is not in the old committee [${oldParties.join(', ')}]`);
  if (dealers.length < oldThreshold) fail(`"dealers" expected at least ${oldThreshold} parties of the old committee, got ${dealers.length}`);
  checkKey(input, newThreshold, newParties.length);
  checkPublicShares(input, oldParties);

  const plan = {
    scheme: input.scheme,
    publicKey: input.publicKey,
    ...(input.internalKey ? { internalKey: Uint8Array.from(input.internalKey) } : {}),
    generation: input.generation,
    oldCommittee: { threshold: oldThreshold, parties: oldParties, publicShares: new Map(oldParties.map((p) => [p, input.oldCommittee.publicShares.get(p)!])) },
    dealers,
    newCommittee: { threshold: newThreshold, parties: newParties },
    participants: [...new Set([...dealers, ...newParties])].sort((a, b) => a - b),
    // Any dealer set of at least t points interpolates the degree-(t−1) polynomial exactly, so λ is over the dealers.
    weights: new Map(dealers.map((d) => [d, lagrangeCoefficientAt(dealers, d, 0n)])),
  };
  return Object.freeze({ ...plan, digest: planDigest(plan) });
}

function planDigest(plan: Omit<ResharePlan, 'digest' | 'participants' | 'weights'>): Uint8Array {
  const ids = (parties: readonly PartyId[]) => parties.map(BigInt);
  return new Transcript('lux-kms/lss/plan/v1', new Uint8Array(0), 0)
    .string('scheme', plan.scheme)
    .point('Y', plan.publicKey)
    .bytes('internal-key', plan.internalKey ?? new Uint8Array(0))
    .integer('generation', BigInt(plan.generation))
    .integer('old-threshold', BigInt(plan.oldCommittee.threshold))
    .integers('old-parties', ids(plan.oldCommittee.parties))
    .points('old-public-shares', plan.oldCommittee.parties.map((p) => plan.oldCommittee.publicShares.get(p)!))
    .integers('dealers', ids(plan.dealers))
    .integer('new-threshold', BigInt(plan.newCommittee.threshold))
    .integers('new-parties', ids(plan.newCommittee.parties))
    .digest();
}

/** Wire form, for carrying a plan from the coordinator to the nodes. */
export function encodeResharePlan(plan: ResharePlan): WireValue {
  return {
    v: 1,
    scheme: plan.scheme,
    Y: pointToBytes(plan.publicKey),
    ...(plan.internalKey ? { P: plan.internalKey } : {}),
    generation: plan.generation,
    oldThreshold: plan.oldCommittee.threshold,
    oldParties: [...plan.oldCommittee.parties],
    X: plan.oldCommittee.parties.map((p) => pointToBytes(plan.oldCommittee.publicShares.get(p)!)),
    dealers: [...plan.dealers],
    newThreshold: plan.newCommittee.threshold,
    newParties: [...plan.newCommittee.parties],
  };
}

/** Decode and fully validate a plan received from elsewhere: a shape problem is a `MalformedError`. */
export function decodeResharePlan(value: WireValue): ResharePlan {
  const r = new PayloadReader(value, 'reshare plan');
  if (r.integer('v') !== 1) throw new MalformedError('reshare plan: "v" expected 1');
  const ids = (field: string) =>
    r.list(field).map((p) => {
      if (typeof p !== 'number') throw new MalformedError(`reshare plan: "${field}" expected integers`);
      return p;
    });
  const oldParties = ids('oldParties');
  const X = r.points('X', oldParties.length);
  return validateResharePlan({
    scheme: r.string('scheme', 16) as ReshareScheme,
    publicKey: r.point('Y'),
    ...(r.has('P') ? { internalKey: r.bytes('P', 32) } : {}),
    generation: r.integer('generation'),
    oldCommittee: { threshold: r.integer('oldThreshold'), parties: oldParties, publicShares: new Map(oldParties.map((p, i) => [p, X[i]!])) },
    dealers: ids('dealers'),
    newCommittee: { threshold: r.integer('newThreshold'), parties: ids('newParties') },
  });
}

/** The plan's dealing constant for dealer i: λ_i·X_i, the only constant term its Feldman commitments may have. */
export function dealerConstant(plan: ResharePlan, dealer: PartyId): Point {
  return mulPublic(plan.oldCommittee.publicShares.get(dealer)!, plan.weights.get(dealer)!);
}
