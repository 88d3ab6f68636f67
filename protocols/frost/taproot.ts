/**
 * BIP-340/341 key helpers for `frost-taproot`: x-only encodings with the even-y convention, and the BIP-341
 * key-path tweak with no script tree (`Q = lift_x(x(P)) + int(TaggedHash("TapTweak", x(P)))·G`), which is what
 * makes the group key spendable as a Taproot output. noble applies this tweak to the DKG shares itself; we
 * recompute it from the internal key so a stored share can be checked and the output key explained.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { CURVE_ORDER, mulBase, type Point } from '../math/curve.js';

export const X_ONLY_BYTES = 32;

/** The 32-byte x coordinate of a point (BIP-340 public key encoding; the y parity is dropped). */
export function xOnly(point: Point): Uint8Array {
  if (point.is0()) throw new RangeError('the identity point has no x-only encoding');
  return point.toBytes(true).slice(1);
}

/** The even-y point with this x coordinate (BIP-340 `lift_x`); throws RangeError if there is none. */
export function liftX(xOnlyKey: Uint8Array): Point {
  if (!(xOnlyKey instanceof Uint8Array)) throw new TypeError('"x-only key" expected Uint8Array');
  if (xOnlyKey.length !== X_ONLY_BYTES) throw new RangeError(`"x-only key" expected ${X_ONLY_BYTES} bytes, got ${xOnlyKey.length}`);
  try {
    return schnorr.utils.lift_x(BigInt('0x' + Buffer.from(xOnlyKey).toString('hex')));
  } catch {
    throw new RangeError('"x-only key" is not the x coordinate of a secp256k1 point');
  }
}

/** BIP-341 `taproot_tweak_pubkey` scalar for a key-path-only output (empty merkle root). */
export function tapTweak(internalKey: Uint8Array): bigint {
  liftX(internalKey);
  return tweakOf(internalKey);
}

function tweakOf(internalKey: Uint8Array): bigint {
  const digest = schnorr.utils.taggedHash('TapTweak', internalKey);
  const t = BigInt('0x' + Buffer.from(digest).toString('hex'));
  // BIP-341 rejects rather than reduces an out-of-range tweak (probability ~2^-128).
  if (t >= CURVE_ORDER) throw new RangeError('TapTweak hash is not below the group order');
  return t;
}

/** The full output point Q (with its real y parity) for an x-only internal key. */
export function taprootOutputPoint(internalKey: Uint8Array): Point {
  const Q = liftX(internalKey).add(mulBase(tweakOf(internalKey)));
  if (Q.is0()) throw new RangeError('taproot output key is the identity');
  return Q;
}

/** The x-only output key a P2TR script commits to (`OP_1 <32 bytes>`). */
export function taprootOutputKey(internalKey: Uint8Array): Uint8Array {
  return xOnly(taprootOutputPoint(internalKey));
}
