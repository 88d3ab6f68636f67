/**
 * The ECDSA math of the keys engine (the one place here that uses `@noble/curves`): verifying over a digest,
 * and bringing any signer's r‖s — ours, an HSM's, the cluster's — to one form: low-s plus the recovery bit.
 */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { KeyType } from './key-types.js';

const CURVES = { ECDSA_SECP256K1: secp256k1, ECDSA_P256: p256 } as const;
export type EcdsaType = keyof typeof CURVES;

const curveOf = (type: KeyType) => {
  const curve = CURVES[type as EcdsaType];
  if (!curve) throw new TypeError(`"type" expected an ECDSA key type, got ${type}`);
  return curve;
};

/** Signs a 32-byte digest with a raw 32-byte scalar (low-s). */
export function signDigest(type: KeyType, digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return curveOf(type).sign(digest, secretKey, { prehash: false, lowS: true });
}

/** Low-s r‖s and the recovery bit that recovers `publicKey` from it; throws if the signature is not for that key. */
/** Whether a 64-byte r‖s has s ≤ n/2 (the form every verifier with malleability rules accepts). */
export function isLowS(type: KeyType, rs: Uint8Array): boolean {
  return rs.length === 64 && !curveOf(type).Signature.fromBytes(rs, 'compact').hasHighS();
}

export function normalise(type: KeyType, rs: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): { signature: Uint8Array; recovery: number } {
  const curve = curveOf(type);
  if (rs.length !== 64) throw new RangeError(`ECDSA signature expected 64 bytes r‖s, got ${rs.length}`);
  let sig = curve.Signature.fromBytes(rs, 'compact');
  if (sig.hasHighS()) sig = new curve.Signature(sig.r, curve.Point.Fn.neg(sig.s));
  const want = curve.Point.fromBytes(publicKey);
  for (const recovery of [0, 1]) {
    try {
      if (sig.addRecoveryBit(recovery).recoverPublicKey(digest).equals(want)) return { signature: sig.toBytes('compact'), recovery };
    } catch {
      // This recovery id gives no valid point: try the other.
    }
  }
  throw new Error('ECDSA signature does not recover to the key that made it');
}

/** Accepts low-s and high-s: both are valid signatures; malleability is the caller's concern, not validity. */
export function verifyDigest(type: KeyType, signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || digest.length !== 32) return false;
  try {
    return curveOf(type).verify(signature, digest, publicKey, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

/** Compressed SEC1 from any encoding of the point. */
export function compressPoint(type: KeyType, point: Uint8Array): Uint8Array {
  return curveOf(type).Point.fromBytes(point).toBytes(true);
}

/** Uncompressed SEC1 (65 bytes) from any encoding of the point. */
export function uncompressPoint(type: KeyType, point: Uint8Array): Uint8Array {
  return curveOf(type).Point.fromBytes(point).toBytes(false);
}
