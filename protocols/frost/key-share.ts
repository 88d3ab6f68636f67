/**
 * One party's FROST key share as it is stored (sealed) and loaded: everything signing needs, plus what lets a
 * loaded share be checked against itself (the group's Feldman commitments). `validateKeyShare` is the full
 * check and runs at every load; signing only re-checks the shape, since its share came from keygen or a load.
 */
import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { MalformedError, type PartyId } from '../errors.js';
import { mulBase, pointFromBytes, scalarFromBytes, type Point } from '../math/curve.js';
import { assertDistinctIds } from '../math/polynomial.js';
import { evaluateCommitments } from '../math/vss.js';
import { decodeWire, encodeWire, type WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import { ciphersuite, frostIdentifier, isFrostProtocol, nobleBytes, type FrostProtocol } from './ciphersuite.js';
import { taprootOutputPoint, xOnly } from './taproot.js';
import { equalBytes } from './bytes.js';

export interface FrostKeyShare {
  readonly protocol: FrostProtocol;
  /** Minimum number of signers t (the sharing polynomial has degree t-1). */
  readonly threshold: number;
  /** Every holder of a share, ascending; party i's FROST identifier is the scalar i. */
  readonly parties: readonly PartyId[];
  readonly self: PartyId;
  /** This party's 32-byte signing share. For `frost-taproot` it is already BIP-341 tweaked. */
  readonly secretShare: Uint8Array;
  /** Every party's verifying share (share·G), 33-byte compressed, in the same form as `secretShare`. */
  readonly verifyingShares: ReadonlyMap<PartyId, Uint8Array>;
  /** The group's Feldman commitments (t compressed points); `commitments[0]` is the signing key. */
  readonly commitments: readonly Uint8Array[];
  /** `frost`: 33-byte compressed group key. `frost-taproot`: 32-byte x-only BIP-341 output key. */
  readonly publicKey: Uint8Array;
  /** `frost-taproot` only: the 32-byte x-only internal key the output key is tweaked from. */
  readonly internalKey?: Uint8Array;
  /** 0 at keygen; resharing writes generation k+1. */
  readonly generation: number;
}

const FORMAT_VERSION = 1;

function bytesOf(value: unknown, name: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array`);
  if (value.length !== length) throw new RangeError(`"${name}" expected ${length} bytes, got ${value.length}`);
  return value;
}

/** Cheap checks of types, sizes and party bookkeeping; no curve arithmetic. */
export function assertKeyShareShape(share: FrostKeyShare): void {
  if (typeof share !== 'object' || share === null) throw new TypeError('"share" expected a FROST key share');
  if (!isFrostProtocol(share.protocol)) throw new TypeError(`"protocol" expected frost or frost-taproot, got ${String(share.protocol)}`);
  const suite = ciphersuite(share.protocol);
  if (!Array.isArray(share.parties)) throw new TypeError('"parties" expected an array of party ids');
  assertDistinctIds(share.parties);
  const n = share.parties.length;
  if (share.parties.some((p, i) => i > 0 && p < share.parties[i - 1]!)) throw new RangeError('"parties" expected ascending order');
  // noble's FROST (like the reference implementation) has no 1-of-n mode: that is a plain single key.
  if (!Number.isSafeInteger(share.threshold) || share.threshold < 2 || share.threshold > n) {
    throw new RangeError(`"threshold" expected integer 2..${n}, got ${share.threshold}`);
  }
  if (!share.parties.includes(share.self)) throw new RangeError(`"self" expected one of [${share.parties.join(', ')}], got ${share.self}`);
  bytesOf(share.secretShare, 'secretShare', 32);
  if (!(share.verifyingShares instanceof Map)) throw new TypeError('"verifyingShares" expected a Map');
  if (share.verifyingShares.size !== n || share.parties.some((p) => !share.verifyingShares.has(p))) {
    throw new RangeError('"verifyingShares" expected exactly one entry per party');
  }
  for (const [p, v] of share.verifyingShares) bytesOf(v, `verifyingShares[${p}]`, 33);
  if (!Array.isArray(share.commitments)) throw new TypeError('"commitments" expected an array');
  if (share.commitments.length !== share.threshold) {
    throw new RangeError(`"commitments" expected ${share.threshold} points, got ${share.commitments.length}`);
  }
  share.commitments.forEach((c, i) => bytesOf(c, `commitments[${i}]`, 33));
  bytesOf(share.publicKey, 'publicKey', suite.publicKeyBytes);
  if (share.protocol === 'frost-taproot') bytesOf(share.internalKey, 'internalKey', 32);
  else if (share.internalKey !== undefined) throw new TypeError('"internalKey" is only for frost-taproot shares');
  if (!Number.isSafeInteger(share.generation) || share.generation < 0) {
    throw new RangeError(`"generation" expected integer ≥ 0, got ${share.generation}`);
  }
}

function point(bytes: Uint8Array, name: string): Point {
  try {
    return pointFromBytes(bytes);
  } catch {
    throw new RangeError(`"${name}" is not a valid secp256k1 point`);
  }
}

/** The full check: shape, then every share and key against the group commitments. */
export function validateKeyShare(share: FrostKeyShare): void {
  assertKeyShareShape(share);
  const commitments = share.commitments.map((c, i) => point(c, `commitments[${i}]`));
  for (const p of share.parties) {
    const v = point(share.verifyingShares.get(p)!, `verifyingShares[${p}]`);
    if (!v.equals(evaluateCommitments(commitments, p))) throw new RangeError(`"verifyingShares[${p}]" does not match the commitments`);
  }
  let secret: bigint;
  try {
    secret = scalarFromBytes(share.secretShare);
  } catch {
    throw new RangeError('"secretShare" is not a canonical scalar');
  }
  if (!mulBase(secret).equals(point(share.verifyingShares.get(share.self)!, 'verifyingShares'))) {
    throw new RangeError(`"secretShare" does not match the verifying share of party ${share.self}`);
  }
  const groupKey = commitments[0]!;
  if (share.protocol === 'frost') {
    if (!equalBytes(share.publicKey, share.commitments[0]!)) throw new RangeError('"publicKey" expected commitments[0]');
    return;
  }
  if (!taprootOutputPoint(share.internalKey!).equals(groupKey)) {
    throw new RangeError('"commitments[0]" is not the BIP-341 output key of "internalKey"');
  }
  if (!equalBytes(share.publicKey, xOnly(groupKey))) throw new RangeError('"publicKey" expected the x-only output key');
}

export function serializeKeyShare(share: FrostKeyShare): Uint8Array {
  assertKeyShareShape(share);
  const record: { [key: string]: WireValue } = {
    v: FORMAT_VERSION,
    protocol: share.protocol,
    threshold: share.threshold,
    parties: [...share.parties],
    self: share.self,
    secretShare: share.secretShare,
    verifyingShares: share.parties.map((p) => share.verifyingShares.get(p)!),
    commitments: [...share.commitments],
    publicKey: share.publicKey,
    generation: share.generation,
  };
  if (share.internalKey) record.internalKey = share.internalKey;
  return encodeWire(record);
}

/** Decode and fully validate a stored share; any problem is a `MalformedError` naming the field. */
export function deserializeKeyShare(bytes: Uint8Array): FrostKeyShare {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('"bytes" expected Uint8Array');
  try {
    const r = new PayloadReader(decodeWire(bytes), 'FROST key share');
    if (r.integer('v') !== FORMAT_VERSION) throw new MalformedError(`FROST key share: "v" expected ${FORMAT_VERSION}`);
    const protocol = r.string('protocol', 32) as FrostProtocol;
    const parties = r.list('parties').map((p) => {
      if (typeof p !== 'number') throw new MalformedError('FROST key share: "parties" expected integers');
      return p;
    });
    const verifyingShares = r.list('verifyingShares', parties.length).map((v, i) => {
      if (!(v instanceof Uint8Array)) throw new MalformedError(`FROST key share: "verifyingShares[${i}]" expected bytes`);
      return [parties[i]!, v] as const;
    });
    const commitments = r.list('commitments').map((c, i) => {
      if (!(c instanceof Uint8Array)) throw new MalformedError(`FROST key share: "commitments[${i}]" expected bytes`);
      return c;
    });
    const share: FrostKeyShare = {
      protocol,
      threshold: r.integer('threshold'),
      parties,
      self: r.integer('self'),
      secretShare: r.bytes('secretShare'),
      verifyingShares: new Map(verifyingShares),
      commitments,
      publicKey: r.bytes('publicKey'),
      ...(r.has('internalKey') ? { internalKey: r.bytes('internalKey') } : {}),
      generation: r.integer('generation'),
    };
    validateKeyShare(share);
    return share;
  } catch (e) {
    if (e instanceof MalformedError) throw e;
    throw new MalformedError(`FROST key share: ${(e as Error).message}`);
  }
}

/** The share in noble's package shapes (identifiers are party ids as scalars). */
export function noblePackages(share: FrostKeyShare): { public: FrostPublic; secret: FrostSecret } {
  const suite = ciphersuite(share.protocol);
  const verifyingShares: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const [p, v] of share.verifyingShares) verifyingShares[frostIdentifier(suite, p)] = nobleBytes(v);
  return {
    public: {
      signers: { min: share.threshold, max: share.parties.length },
      commitments: share.commitments.map(nobleBytes),
      verifyingShares,
    },
    secret: { identifier: frostIdentifier(suite, share.self), signingShare: nobleBytes(share.secretShare) },
  };
}
