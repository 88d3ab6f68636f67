/**
 * The one module that owns `@noble/curves` for secp256k1 group arithmetic. Everything else speaks in
 * `Point` and bigint scalars through these functions, with validation at every decode.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { MalformedError } from '../errors.js';
import { randomBelow, systemRng, type Rng } from './random.js';

export const Point = secp256k1.Point;
export type Point = InstanceType<typeof secp256k1.Point>;

/** Group order q. */
export const CURVE_ORDER: bigint = secp256k1.Point.Fn.ORDER;
export const G: Point = secp256k1.Point.BASE;
export const IDENTITY: Point = secp256k1.Point.ZERO;
export const POINT_BYTES = 33;
export const SCALAR_BYTES = 32;

export function modQ(x: bigint): bigint {
  const r = x % CURVE_ORDER;
  return r < 0n ? r + CURVE_ORDER : r;
}

export function invertScalar(x: bigint): bigint {
  const v = modQ(x);
  if (v === 0n) throw new RangeError('cannot invert the zero scalar');
  return secp256k1.Point.Fn.inv(v);
}

export function randomScalar(rng: Rng = systemRng): bigint {
  return randomBelow(CURVE_ORDER, rng);
}

/** Uniform non-zero scalar, for nonces and polynomial constant terms. */
export function randomNonzeroScalar(rng: Rng = systemRng): bigint {
  for (;;) {
    const k = randomBelow(CURVE_ORDER, rng);
    if (k !== 0n) return k;
  }
}

/** k·G in constant time (secret scalars). Zero maps to the identity. */
export function mulBase(k: bigint): Point {
  const s = modQ(k);
  return s === 0n ? IDENTITY : G.multiply(s);
}

/** k·P for any scalar; the identity for k ≡ 0. */
export function mul(point: Point, k: bigint): Point {
  const s = modQ(k);
  if (s === 0n || point.is0()) return IDENTITY;
  return point.multiply(s);
}

/** k·P where k is public (verification): faster, not constant time. */
/**
 * Build `point`'s window table now (noble keeps it per point object), so later multiplications of this same object
 * take about a quarter of the time (≈0.19 ms instead of ≈0.7 ms here). For long-lived public points such as a key's
 * Y, not one-off ones: with 6-bit windows the table costs about 9 ms, repaid after a dozen multiplications.
 */
export function withMultiplicationTable(point: Point): Point {
  return point.precompute(6, false);
}

export function mulPublic(point: Point, k: bigint): Point {
  const s = modQ(k);
  if (s === 0n || point.is0()) return IDENTITY;
  return point.multiplyUnsafe(s);
}

export function sumPoints(points: Iterable<Point>): Point {
  let acc = IDENTITY;
  for (const p of points) acc = acc.add(p);
  return acc;
}

export function scalarToBytes(k: bigint): Uint8Array {
  if (k < 0n || k >= CURVE_ORDER) throw new RangeError(`scalar expected 0..q-1, got ${k}`);
  return secp256k1.Point.Fn.toBytes(k);
}

/** Decode a canonical 32-byte big-endian scalar: rejects values ≥ q rather than reducing them. */
export function scalarFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== SCALAR_BYTES) throw new MalformedError(`scalar expected ${SCALAR_BYTES} bytes, got ${bytes.length}`);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (v >= CURVE_ORDER) throw new MalformedError('scalar is not canonical (≥ group order)');
  return v;
}

/** SEC1 compressed encoding. The identity has no encoding here: callers that allow it must say so. */
export function pointToBytes(p: Point): Uint8Array {
  if (p.is0()) throw new RangeError('the identity point has no SEC1 encoding');
  return p.toBytes(true);
}

/** Decode a 33-byte compressed point, rejecting off-curve encodings and the identity. */
export function pointFromBytes(bytes: Uint8Array): Point {
  if (bytes.length !== POINT_BYTES) throw new MalformedError(`point expected ${POINT_BYTES} bytes, got ${bytes.length}`);
  let p: Point;
  try {
    p = secp256k1.Point.fromBytes(bytes);
    p.assertValidity();
  } catch {
    throw new MalformedError('point is not a valid secp256k1 encoding');
  }
  if (p.is0()) throw new MalformedError('point is the identity');
  return p;
}

export function pointToHex(p: Point): string {
  return Buffer.from(pointToBytes(p)).toString('hex');
}

export function pointEquals(a: Point, b: Point): boolean {
  return a.equals(b);
}
