/**
 * Signature checks by libraries other than the code under test. BIP-340 signatures go to noble's `schnorr` and
 * to tiny-secp256k1 (libsecp256k1 compiled to wasm). RFC 9591 signatures are not BIP-340 signatures (their
 * challenge is a hash-to-field with the suite's DST), and tiny-secp256k1 has no such verifier, so for those
 * it checks the group equation z·G = R + c·PK with its own point arithmetic; only the challenge hash is noble's.
 */
import { schnorr, secp256k1_FROST, secp256k1_hasher } from '@noble/curves/secp256k1.js';
import * as tiny from 'tiny-secp256k1';
import type { FrostProtocol } from '../../../protocols/frost/index.js';

const RFC9591_CHALLENGE_DST = new TextEncoder().encode('FROST-secp256k1-SHA256-v1chal');

function scalar32(x: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
}

export function tinyVerify(protocol: FrostProtocol, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (protocol === 'frost-taproot') return tiny.verifySchnorr(message, publicKey, signature);
  const R = signature.subarray(0, 33);
  const z = signature.subarray(33);
  if (!tiny.isPoint(R) || !tiny.isPoint(publicKey) || !tiny.isPrivate(z)) return false;
  const c = secp256k1_hasher.hashToScalar(Uint8Array.from([...R, ...publicKey, ...message]), { DST: RFC9591_CHALLENGE_DST });
  const cPK = tiny.pointMultiply(publicKey, scalar32(c), true);
  const right = cPK ? tiny.pointAdd(R, cPK, true) : R;
  const left = tiny.pointFromScalar(z, true);
  return left !== null && right !== null && Buffer.from(left).equals(Buffer.from(right));
}

export function nobleVerify(protocol: FrostProtocol, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return protocol === 'frost-taproot' ? schnorr.verify(signature, message, publicKey) : secp256k1_FROST.verify(signature, message, publicKey);
}
