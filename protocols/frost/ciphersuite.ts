/**
 * The two FROST ciphersuites we run, both from `@noble/curves` (audited RFC 9591 code; we never redo its math):
 * - `frost`: FROST(secp256k1, SHA-256), RFC 9591 §6.5, 65-byte signatures `R(33) ‖ z(32)`;
 * - `frost-taproot`: the BIP-340 variant (`FROST-secp256k1-SHA256-TR-v1`), 64-byte signatures `x(R) ‖ z`,
 *   whose DKG output noble tweaks with the BIP-341 key-path tweak (empty script tree).
 * This module is the only place in `protocols/frost/` that names the noble FROST objects.
 */
import type { FROST } from '@noble/curves/abstract/frost.js';
import { schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import type { PartyId } from '../errors.js';
import { systemRng, type Rng } from '../math/random.js';

export type FrostProtocol = 'frost' | 'frost-taproot';
export const FROST_PROTOCOLS: readonly FrostProtocol[] = ['frost', 'frost-taproot'];

export interface Ciphersuite {
  readonly protocol: FrostProtocol;
  /** RFC 9591 context string: the prefix of every hash-to-scalar domain separation tag. */
  readonly contextString: string;
  readonly frost: FROST;
  /** Length of a final signature (and of a DKG proof of knowledge, which is a signature too). */
  readonly signatureBytes: 64 | 65;
  /** Length of the group public key as we publish it: compressed for `frost`, x-only for `frost-taproot`. */
  readonly publicKeyBytes: 32 | 33;
}

const SUITES: Record<FrostProtocol, Ciphersuite> = {
  frost: {
    protocol: 'frost',
    contextString: 'FROST-secp256k1-SHA256-v1',
    frost: secp256k1_FROST,
    signatureBytes: 65,
    publicKeyBytes: 33,
  },
  'frost-taproot': {
    protocol: 'frost-taproot',
    contextString: 'FROST-secp256k1-SHA256-TR-v1',
    frost: schnorr_FROST,
    signatureBytes: 64,
    publicKeyBytes: 32,
  },
};

export function isFrostProtocol(value: unknown): value is FrostProtocol {
  return value === 'frost' || value === 'frost-taproot';
}

export function ciphersuite(protocol: FrostProtocol): Ciphersuite {
  if (!isFrostProtocol(protocol)) {
    throw new TypeError(`"protocol" expected one of ${FROST_PROTOCOLS.join(', ')}, got ${String(protocol)}`);
  }
  return SUITES[protocol];
}

/** Party i is the FROST identifier i (the scalar i), in noble's serialized form. */
export function frostIdentifier(suite: Ciphersuite, party: PartyId): string {
  return suite.frost.Identifier.fromNumber(party);
}

/** noble takes randomness as a function; ours is an `Rng` object so tests can inject a deterministic one. */
export function nobleRng(rng: Rng = systemRng): (length?: number) => Uint8Array<ArrayBuffer> {
  return (length = 32) => nobleBytes(rng.bytes(length));
}

/** noble's package types ask for ArrayBuffer-backed arrays; ours are, unless a caller handed us a shared view. */
export function nobleBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
}

/** Verify a final signature: `publicKey` is the 33-byte group key (`frost`) or the 32-byte x-only output key. */
export function verifyFrostSignature(protocol: FrostProtocol, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const suite = ciphersuite(protocol);
  if (signature.length !== suite.signatureBytes || publicKey.length !== suite.publicKeyBytes) return false;
  try {
    return suite.frost.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
