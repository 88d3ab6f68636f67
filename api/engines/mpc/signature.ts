/**
 * Checks on what the cluster returns, before anything leaves the gateway: an ECDSA signature must verify
 * under the wallet's key (its recovery bit is recomputed here, not trusted), a BIP-340 one under the output
 * key. The one place of this engine that uses `@noble/curves` directly.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { InternalError } from '../../../protocols/errors.js';

const HALF_ORDER = secp256k1.Point.Fn.ORDER >> 1n;

export interface RecoverableSignature {
  r: bigint;
  s: bigint;
  recovery: 0 | 1;
}

/** The low-s r‖s `signature` over `digest`, verified under `publicKey` (compressed), with its recovery bit. */
export function checkEcdsa(signatureHex: string, digest: Uint8Array, publicKey: Uint8Array): RecoverableSignature {
  const bytes = Uint8Array.from(Buffer.from(signatureHex, 'hex'));
  if (bytes.length !== 64) throw new InternalError(`the cluster returned a ${bytes.length}-byte ECDSA signature; expected 64`);
  const sig = secp256k1.Signature.fromBytes(bytes, 'compact');
  // Chains reject high-s signatures (EIP-2, BIP-146): a malleable twin must never be handed out.
  if (sig.s > HALF_ORDER) throw new InternalError('the cluster returned a high-s ECDSA signature');
  if (!secp256k1.verify(bytes, digest, publicKey, { prehash: false })) {
    throw new InternalError('the cluster returned an ECDSA signature that does not verify under the wallet key');
  }
  const wanted = secp256k1.Point.fromBytes(publicKey);
  for (const recovery of [0, 1] as const) {
    if (sig.addRecoveryBit(recovery).recoverPublicKey(digest).equals(wanted)) return { r: sig.r, s: sig.s, recovery };
  }
  throw new InternalError('no recovery bit recovers the wallet key');
}

/** A BIP-340 signature over `message` (a sighash), verified under the x-only output key. */
export function checkSchnorr(signatureHex: string, message: Uint8Array, xOnlyKey: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(Buffer.from(signatureHex, 'hex'));
  if (bytes.length !== 64 || !schnorr.verify(bytes, message, xOnlyKey)) {
    throw new InternalError('the cluster returned a BIP-340 signature that does not verify under the wallet key');
  }
  return bytes;
}

/** DER encoding of a compact r‖s signature, as SegWit v0 witnesses carry it (before the sighash byte). */
export function toDer(r: bigint, s: bigint): Uint8Array {
  return new secp256k1.Signature(r, s).toBytes('der');
}
