/** What the SSH engine stores about its CA, its key pairs and the certificates it signed, and what callers see of them. */
import type { CertType } from './certificate.js';
import type { SshKeyType } from './keys.js';

export interface CriticalOptions {
  'force-command'?: string;
  /** Comma-separated addresses or CIDR blocks the certificate may be used from. */
  'source-address'?: string;
  'verify-required'?: boolean;
}

export interface SshCa {
  environment: string;
  keyType: SshKeyType;
  /** An authorized_keys line. */
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

export interface SshKeyInfo {
  id: string;
  environment: string;
  keyType: SshKeyType;
  /** An authorized_keys line. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  comment: string;
  createdAt: string;
}

export interface SshCertificateRecord {
  serial: string;
  environment: string;
  certType: CertType;
  keyId: string;
  principals: string[];
  validAfter: string;
  validBefore: string;
  criticalOptions: CriticalOptions;
  extensions: string[];
  publicKeyFingerprint: string;
  caFingerprint: string;
  /** The `-cert.pub` line, for `CertificateFile` / `HostCertificate`. */
  certificate: string;
  createdAt: string;
  revokedAt?: string;
}
