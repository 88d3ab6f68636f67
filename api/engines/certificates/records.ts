/** What the certificates engine stores about each issued certificate, and what callers see of it. */
import type { KeyType } from './key-types.js';
import type { Profile } from './profiles.js';

/**
 * RFC 5280 §5.3.1 reason codes callers may give. Every reason but certificateHold is final; a hold can be
 * released (the entry leaves the CRL) or turned into a final revocation. removeFromCRL (8) only has a
 * meaning in delta CRLs, which are not published, and aACompromise (10) concerns attribute certificates.
 */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  caCompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;
export const HOLD: RevocationReason = 'certificateHold';

export interface AutoRenewalConfig {
  renewBefore: string;
  renewBeforeSeconds: number;
  notifyWebhook?: string;
  /** Why the last scheduled attempt failed; cleared by the next success. */
  lastError?: string;
}

export interface CertificateRecord {
  /** The serial number, in lowercase hex: unique per issuer and what CRLs list. */
  id: string;
  environment: string;
  issuerId: string;
  profile: Profile;
  keyType: KeyType;
  commonName: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** The lifetime asked for; renewals ask for the same. */
  validitySeconds: number;
  source: 'generated' | 'csr' | 'renewal';
  /** PEM. */
  certificate: string;
  /** PEM certificates above it: the issuer first, the root last. */
  chain: string[];
  createdAt: string;
  /** With reason certificateHold the certificate is `held`: auto-renewal is paused (kept here, unscheduled). */
  revocation?: { reason: RevocationReason; revokedAt: string };
  autoRenewal?: AutoRenewalConfig;
  renewedFrom?: string;
  renewedBy?: string;
}

export const CERTIFICATE_STATUSES = ['active', 'expired', 'revoked', 'held'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export interface CertificateInfo extends CertificateRecord {
  serialNumber: string;
  status: CertificateStatus;
}

/** A certificate authority: its certificate and the chain above it (the private key is stored apart, never returned). */
export interface CaRecord {
  id: string;
  environment: string;
  kind: 'root' | 'intermediate' | 'imported';
  keyType: KeyType;
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  certificate: string;
  /** The certificates above this one, nearest first, ending at the root (empty for a root). */
  chain: string[];
  createdAt: string;
}

/** The current CRL of one authority. */
export interface CrlState {
  issuerId: string;
  environment: string;
  number: number;
  thisUpdate: string;
  nextUpdate: string;
  revokedCount: number;
  /** PEM. */
  crl: string;
}

export const certPath = (env: string, id: string) => `pki/cert/${env}/${id}`;

export function statusOf(r: CertificateRecord, now = Date.now()): CertificateStatus {
  if (r.revocation) return r.revocation.reason === HOLD ? 'held' : 'revoked';
  return Date.parse(r.notAfter) <= now ? 'expired' : 'active';
}

export const infoOf = (r: CertificateRecord): CertificateInfo => ({ ...r, serialNumber: r.id, status: statusOf(r) });
