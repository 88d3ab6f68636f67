/**
 * Certificate profiles: what an issued certificate may be used for. Each profile fixes the key usages
 * and extended key usages, so a TLS client certificate cannot be presented by a server, a server
 * certificate cannot authenticate as an mTLS client, and neither can sign code.
 */
import { invalid } from '../../server/errors.js';
import { keySpec, type KeyType } from './key-types.js';
import { EKU, type KeyUsage } from './x509.js';

export const PROFILES = ['server', 'client', 'code-signing'] as const;
export type Profile = (typeof PROFILES)[number];

interface ProfileSpec {
  extendedKeyUsages: string[];
  /** TLS profiles need at least one SAN: clients match host names against SANs only (RFC 6125). */
  needsSan: boolean;
}

const SPECS: Record<Profile, ProfileSpec> = {
  server: { extendedKeyUsages: [EKU.serverAuth], needsSan: true },
  client: { extendedKeyUsages: [EKU.clientAuth], needsSan: false },
  'code-signing': { extendedKeyUsages: [EKU.codeSigning], needsSan: false },
};

export function requireProfile(value: string): Profile {
  if (!(PROFILES as readonly string[]).includes(value)) throw invalid('invalid_profile', `"profile" expected one of ${PROFILES.join(', ')}, got "${value.slice(0, 40)}"`);
  return value as Profile;
}

export const profileSpec = (p: Profile): ProfileSpec => SPECS[p];

/**
 * digitalSignature always; keyEncipherment only for RSA TLS keys (RSA key transport, RFC 5246 §7.4.7.1);
 * code signing also asserts nonRepudiation (contentCommitment), as signed releases are meant to be binding.
 */
export function keyUsagesOf(profile: Profile, keyType: KeyType): KeyUsage[] {
  if (profile === 'code-signing') return ['digitalSignature', 'nonRepudiation'];
  return keySpec(keyType).encipherment ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}
