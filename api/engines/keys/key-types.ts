/**
 * What each key type can do, in one table: the usages it may be created with (one family per key, so an RSA key
 * never both signs and decrypts), its signing algorithms, and where its material may live.
 */
import { invalid } from '../../server/errors.js';

export const KEY_TYPES = ['ECDSA_SECP256K1', 'ECDSA_P256', 'ED25519', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'AES_256_GCM', 'HMAC_SHA256'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const KEY_USAGES = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'mac'] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const SIGNING_ALGORITHMS = ['ECDSA_SHA256', 'ED25519', 'RSASSA_PKCS1_V1_5_SHA256', 'RSASSA_PSS_SHA256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** `threshold`: shares on the party cluster; `software`: generated here, kept behind the storage barrier; `hsm`: inside a PKCS#11 key store. */
export const PROTECTIONS = ['threshold', 'software', 'hsm'] as const;
export type Protection = (typeof PROTECTIONS)[number];

export type UsageFamily = 'signing' | 'encryption' | 'mac';

const FAMILY_USAGES: Record<UsageFamily, readonly KeyUsage[]> = {
  signing: ['sign', 'verify'],
  encryption: ['encrypt', 'decrypt', 'wrap', 'unwrap'],
  mac: ['mac'],
};

export interface TypeProfile {
  families: readonly UsageFamily[];
  /** Usages when the caller names none: the first family's. */
  defaultUsage: readonly KeyUsage[];
  algorithms: readonly SigningAlgorithm[];
  protections: readonly Protection[];
  defaultProtection: Protection;
}

const ecdsa = (protections: readonly Protection[], defaultProtection: Protection): TypeProfile => ({
  families: ['signing'],
  defaultUsage: FAMILY_USAGES.signing,
  algorithms: ['ECDSA_SHA256'],
  protections,
  defaultProtection,
});
const rsa: TypeProfile = {
  families: ['signing', 'encryption'],
  defaultUsage: FAMILY_USAGES.signing,
  algorithms: ['RSASSA_PKCS1_V1_5_SHA256', 'RSASSA_PSS_SHA256'],
  protections: ['software', 'hsm'],
  defaultProtection: 'software',
};

export const TYPE_PROFILES: Readonly<Record<KeyType, TypeProfile>> = {
  // Only secp256k1 has a threshold protocol on the cluster (CGGMP21); it is the default there.
  ECDSA_SECP256K1: ecdsa(['threshold', 'software', 'hsm'], 'threshold'),
  ECDSA_P256: ecdsa(['software', 'hsm'], 'software'),
  ED25519: { families: ['signing'], defaultUsage: FAMILY_USAGES.signing, algorithms: ['ED25519'], protections: ['software'], defaultProtection: 'software' },
  RSA_2048: rsa,
  RSA_3072: rsa,
  RSA_4096: rsa,
  AES_256_GCM: { families: ['encryption'], defaultUsage: ['encrypt', 'decrypt'], algorithms: [], protections: ['software', 'hsm'], defaultProtection: 'software' },
  HMAC_SHA256: { families: ['mac'], defaultUsage: FAMILY_USAGES.mac, algorithms: [], protections: ['software'], defaultProtection: 'software' },
};

export const RSA_BITS: Partial<Record<KeyType, 2048 | 3072 | 4096>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

export const isRsa = (type: KeyType) => RSA_BITS[type] !== undefined;
export const isEcdsa = (type: KeyType) => type === 'ECDSA_SECP256K1' || type === 'ECDSA_P256';

/** The usages a key is created with: given ones checked against the type, all from one family, deduplicated. */
export function resolveUsage(type: KeyType, usage: readonly KeyUsage[] | undefined): KeyUsage[] {
  const profile = TYPE_PROFILES[type];
  if (usage === undefined) return [...profile.defaultUsage];
  if (usage.length === 0) throw invalid('invalid_usage', `"usage" expected at least one of ${profile.families.flatMap((f) => FAMILY_USAGES[f]).join(', ')}`);
  const family = profile.families.find((f) => usage.every((u) => FAMILY_USAGES[f].includes(u)));
  if (!family) {
    const allowed = profile.families.map((f) => `[${FAMILY_USAGES[f].join(', ')}]`).join(' or ');
    throw invalid('invalid_usage', `"usage" for ${type} expected a subset of ${allowed}, got [${usage.join(', ')}]`);
  }
  return [...new Set(usage)].sort((a, b) => KEY_USAGES.indexOf(a) - KEY_USAGES.indexOf(b));
}

export function familyOf(usage: readonly KeyUsage[]): UsageFamily {
  if (usage.includes('mac')) return 'mac';
  return usage.some((u) => FAMILY_USAGES.encryption.includes(u)) ? 'encryption' : 'signing';
}

export function resolveProtection(type: KeyType, protection: Protection | undefined): Protection {
  const profile = TYPE_PROFILES[type];
  const chosen = protection ?? profile.defaultProtection;
  if (!profile.protections.includes(chosen)) {
    throw invalid('protection_unsupported', `"protection" for ${type} expected one of ${profile.protections.join(', ')}, got "${chosen}"`);
  }
  return chosen;
}

export function resolveAlgorithm(type: KeyType, algorithm: SigningAlgorithm | undefined): SigningAlgorithm {
  const allowed = TYPE_PROFILES[type].algorithms;
  if (allowed.length === 0) throw invalid('operation_unsupported', `${type} keys do not sign`);
  const chosen = algorithm ?? allowed[0]!;
  if (!allowed.includes(chosen)) throw invalid('algorithm_unsupported', `"algorithm" for ${type} expected one of ${allowed.join(', ')}, got "${chosen}"`);
  return chosen;
}
