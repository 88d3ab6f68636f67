/**
 * The key types certificates (and certificate authorities) may carry: how each is generated, which
 * signature algorithm it signs with (and that algorithm's identifier in certificates and CRLs), and
 * `keyTypeOfPublicKey` to map a foreign key (from a CSR or an imported CA) back to one of these names,
 * so nothing outside the list is ever certified or trusted as an issuer.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { invalid } from '../../server/errors.js';
import { nul, oid, seq, type Der } from './der.js';

export const KEY_TYPES = ['ECDSA_P256', 'ECDSA_P384', 'RSA_2048', 'RSA_3072', 'ED25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

interface KeySpec {
  generate: () => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
  /** Digest for `crypto.sign` (null: the algorithm hashes internally, as Ed25519 does). */
  hash: 'sha256' | 'sha384' | null;
  /** AlgorithmIdentifier of the signatures this key makes. */
  signatureAlgorithm: Der;
  /** Whether TLS may use the key for key transport (RSA), which decides the keyEncipherment usage. */
  encipherment: boolean;
}

const generate = promisify(generateKeyPair) as unknown as (type: string, options: object) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

// Each curve signs with the digest of matching strength (RFC 5480 §4): P-256 with SHA-256, P-384 with SHA-384.
const ec = (namedCurve: string, hash: 'sha256' | 'sha384', sigOid: string): KeySpec => ({
  generate: () => generate('ec', { namedCurve }),
  hash,
  signatureAlgorithm: seq(oid(sigOid)),
  encipherment: false,
});
const rsa = (modulusLength: number): KeySpec => ({
  generate: () => generate('rsa', { modulusLength, publicExponent: 65537 }),
  hash: 'sha256',
  // sha256WithRSAEncryption; RFC 4055 requires the NULL parameters for the PKCS#1 v1.5 identifiers.
  signatureAlgorithm: seq(oid('1.2.840.113549.1.1.11'), nul()),
  encipherment: true,
});

const SPECS: Record<KeyType, KeySpec> = {
  ECDSA_P256: ec('P-256', 'sha256', '1.2.840.10045.4.3.2'),
  ECDSA_P384: ec('P-384', 'sha384', '1.2.840.10045.4.3.3'),
  RSA_2048: rsa(2048),
  RSA_3072: rsa(3072),
  ED25519: { generate: () => generate('ed25519', {}), hash: null, signatureAlgorithm: seq(oid('1.3.101.112')), encipherment: false },
};

export function requireKeyType(value: string, field = 'keyType'): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(value)) {
    throw invalid('unsupported_key_type', `"${field}" expected one of ${KEY_TYPES.join(', ')}, got "${String(value).slice(0, 40)}"`);
  }
  return value as KeyType;
}

export const keySpec = (type: KeyType): KeySpec => SPECS[type];

export interface GeneratedKey {
  keyType: KeyType;
  publicKey: KeyObject;
  /** PKCS#8 DER of the private key. */
  pkcs8: Uint8Array;
}

/** A fresh key pair; RSA generation runs on the thread pool, so it does not stall other requests. */
export async function generateKey(type: KeyType): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await SPECS[type].generate();
  return { keyType: type, publicKey, pkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })) };
}

export function privateKeyFromPkcs8(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

/** The key type of a public key, or a 400 naming what it is instead. */
export function keyTypeOfPublicKey(key: KeyObject, field: string): KeyType {
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'ED25519';
  if (type === 'ec' && details.namedCurve === 'prime256v1') return 'ECDSA_P256';
  if (type === 'ec' && details.namedCurve === 'secp384r1') return 'ECDSA_P384';
  if (type === 'rsa' && details.modulusLength === 2048) return 'RSA_2048';
  if (type === 'rsa' && details.modulusLength === 3072) return 'RSA_3072';
  const what = type === 'rsa' ? `RSA-${details.modulusLength}` : type === 'ec' ? `EC ${details.namedCurve}` : String(type);
  throw invalid('unsupported_key_type', `"${field}" has a ${what} key; expected one of ${KEY_TYPES.join(', ')}`);
}

export function publicKeyFromSpki(spki: Uint8Array, field: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw invalid('unsupported_key_type', `"${field}" carries a public key that cannot be parsed`);
  }
}

export const spkiOf = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ type: 'spki', format: 'der' }));

export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
