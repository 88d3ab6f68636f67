/**
 * `kms.certificates`: X.509 certificates from the environment's CA (the client's environment unless given).
 *
 *   const cert = await kms.certificates.create({ commonName: 'api.yourbank.com', sans: ['api.yourbank.com', '*.yourbank.com'], validity: '365d', keyType: 'ECDSA_P256' });
 *   await kms.certificates.enableAutoRenewal({ certId: cert.id, renewBefore: '30d' });
 */
// Types only: the shapes are the certificates engine's own records, so the two cannot drift; no gateway code is loaded.
import type { KeyType } from '../engines/certificates/key-types.js';
import type { Profile } from '../engines/certificates/profiles.js';
import type { CaRecord, CertificateInfo, CertificateStatus, CrlState, RevocationReason } from '../engines/certificates/records.js';
import type { Transport } from './transport.js';
import { requireObject, requireString, seg } from './validate.js';

export type { CertificateStatus, RevocationReason };
export type CertificateKeyType = KeyType;
export type CertificateProfile = Profile;

/** A certificate as `list` returns it: everything but the PEM. */
export type CertificateSummary = Omit<CertificateInfo, 'certificate' | 'chain'>;

/** A certificate with its PEM and chain. */
export type IssuedCertificate = CertificateInfo;

export interface CreatedCertificate extends IssuedCertificate {
  /** PKCS#8 PEM. Returned by `create` only, this once: the gateway does not keep it. */
  privateKey: string;
}

export type CertificateAuthority = CaRecord;
export type Crl = CrlState;

export interface CreateCertificateInput {
  commonName: string;
  /** DNS names (wildcards as `*.example.com`), IP addresses, URIs, email addresses. */
  sans?: string[];
  /** `365d`, `12h`, `30m`, `90s`; at most what the issuer has left. */
  validity: string;
  keyType: CertificateKeyType;
  profile?: CertificateProfile;
  /** Default: the environment's intermediate CA; or the name of an imported CA. */
  issuerId?: string;
  environment?: string;
}

export interface SignCsrInput {
  /** PEM PKCS#10 request; its CN and SANs are used unless `commonName` / `sans` are given. */
  csr: string;
  validity: string;
  profile?: CertificateProfile;
  commonName?: string;
  sans?: string[];
  issuerId?: string;
  environment?: string;
}

export interface EnableAutoRenewalInput {
  certId: string;
  /** How long before expiry to renew, e.g. `30d`. */
  renewBefore: string;
  /** Receives a signed `certificate.renewed` event carrying the new certificate and chain. */
  notifyWebhook?: string;
  environment?: string;
}

type Env = { environment?: string };

export class CertificatesClient {
  constructor(
    private readonly http: Transport,
    private readonly defaultEnvironment: string,
  ) {}

  #env(environment: string | undefined): string {
    return `/v1/environments/${seg(environment ?? this.defaultEnvironment, 'environment')}`;
  }

  #cert(id: string, environment: string | undefined): string {
    return `${this.#env(environment)}/certificates/${seg(id, 'certId')}`;
  }

  create(input: CreateCertificateInput): Promise<CreatedCertificate> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#env(environment)}/certificates`, body, idempotent: false });
  }

  signCsr(input: SignCsrInput): Promise<IssuedCertificate> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#env(environment)}/certificates/sign`, body, idempotent: false });
  }

  get(certId: string, options: Env = {}): Promise<IssuedCertificate> {
    return this.http.call({ method: 'GET', path: this.#cert(certId, options.environment), idempotent: true });
  }

  list(options: Env & { status?: CertificateStatus; limit?: number; cursor?: string } = {}): Promise<{ certificates: CertificateSummary[]; nextCursor?: string }> {
    const { environment, status, limit, cursor } = options;
    return this.http.call({ method: 'GET', path: `${this.#env(environment)}/certificates`, query: { status, limit, cursor }, idempotent: true });
  }

  export(certId: string, options: Env & { format?: 'pem' | 'der' } = {}): Promise<{ id: string; format: 'pem' | 'der'; certificate: string; chain: string[]; fullChain?: string }> {
    return this.http.call({ method: 'GET', path: `${this.#cert(certId, options.environment)}/export`, query: { format: options.format }, idempotent: true });
  }

  /** Revokes into the issuer's CRL. `certificateHold` suspends instead (status `held`) until `releaseHold`. */
  revoke(certId: string, options: Env & { reason?: RevocationReason } = {}): Promise<IssuedCertificate & { crlNumber: number }> {
    const body = options.reason === undefined ? {} : { reason: options.reason };
    return this.http.call({ method: 'POST', path: `${this.#cert(certId, options.environment)}/revoke`, body, idempotent: false });
  }

  /** Lifts a `certificateHold`: the serial leaves the CRL and auto-renewal resumes. 409 `not_on_hold` otherwise. */
  releaseHold(certId: string, options: Env = {}): Promise<IssuedCertificate & { crlNumber: number }> {
    return this.http.call({ method: 'POST', path: `${this.#cert(certId, options.environment)}/release-hold`, idempotent: false });
  }

  renew(certId: string, options: Env = {}): Promise<{ certificate: IssuedCertificate; previousId: string; webhookDelivery?: { id: string; status: string } }> {
    return this.http.call({ method: 'POST', path: `${this.#cert(certId, options.environment)}/renew`, idempotent: false });
  }

  enableAutoRenewal(input: EnableAutoRenewalInput): Promise<{ certId: string; renewBefore: string; nextRenewalAt: string; notifyWebhook?: string }> {
    const { environment, certId, ...body } = requireObject(input, 'input');
    requireString(certId, 'certId');
    return this.http.call({ method: 'PUT', path: `${this.#cert(certId, environment)}/auto-renewal`, body, idempotent: true });
  }

  disableAutoRenewal(certId: string, options: Env = {}): Promise<IssuedCertificate> {
    return this.http.call({ method: 'DELETE', path: `${this.#cert(certId, options.environment)}/auto-renewal`, idempotent: true });
  }

  /** The environment's root and intermediate CA certificates (trust the root; send the intermediate). */
  authority(options: Env = {}): Promise<{ root: CertificateAuthority; intermediate: CertificateAuthority }> {
    return this.http.call({ method: 'GET', path: `${this.#env(options.environment)}/pki/ca`, idempotent: true });
  }

  async listAuthorities(options: Env = {}): Promise<CertificateAuthority[]> {
    return (await this.http.call<{ authorities: CertificateAuthority[] }>({ method: 'GET', path: `${this.#env(options.environment)}/pki/authorities`, idempotent: true })).authorities;
  }

  importAuthority(input: Env & { name: string; certificate: string; privateKey: string; chain?: string[] }): Promise<CertificateAuthority> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#env(environment)}/pki/authorities`, body, idempotent: false });
  }

  /** The current CRL of a CA (`intermediate` by default). */
  crl(options: Env & { issuerId?: string } = {}): Promise<Crl> {
    return this.http.call({ method: 'GET', path: `${this.#env(options.environment)}/pki/authorities/${seg(options.issuerId ?? 'intermediate', 'issuerId')}/crl`, idempotent: true });
  }
}
