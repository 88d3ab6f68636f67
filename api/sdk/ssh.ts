/**
 * `kms.ssh`: SSH key pairs and the environment's SSH certificate authority (the client's environment unless given).
 *
 *   const ca = await kms.ssh.ca();                       // put ca.publicKey in sshd's TrustedUserCAKeys
 *   const cert = await kms.ssh.signCertificate({ publicKey, certType: 'user', principals: ['deploy'], validity: '8h' });
 */
// Types only: the shapes are the SSH engine's own records, so the two cannot drift; no gateway code is loaded.
import type { SshKeyType } from '../engines/ssh/keys.js';
import type { CriticalOptions, SshCa, SshCertificateRecord, SshKeyInfo } from '../engines/ssh/records.js';
import type { Transport } from './transport.js';
import { requireObject, requireString, seg } from './validate.js';

export type { SshKeyType, SshCa };
export type SshKey = SshKeyInfo;
export type SshCriticalOptions = CriticalOptions;

export interface CreatedSshKey extends SshKey {
  /** `openssh-key-v1` private key file. Returned by `createKey` only, this once. */
  privateKey: string;
}

/** A signed certificate as `listCertificates` returns it: everything but the certificate line. */
export type SshCertificateSummary = Omit<SshCertificateRecord, 'certificate'>;
export type SshCertificate = SshCertificateRecord;

export interface SignSshCertificateInput {
  /** An authorized_keys line of the key to certify. */
  publicKey: string;
  certType: 'user' | 'host';
  principals: string[];
  /** `8h`, `30d`, … */
  validity: string;
  keyId?: string;
  criticalOptions?: SshCriticalOptions;
  /** User certificates only; default permit-agent-forwarding, permit-port-forwarding, permit-pty, permit-user-rc. */
  extensions?: string[];
  environment?: string;
}

type Env = { environment?: string };

export class SshClient {
  constructor(
    private readonly http: Transport,
    private readonly defaultEnvironment: string,
  ) {}

  #base(environment: string | undefined): string {
    return `/v1/environments/${seg(environment ?? this.defaultEnvironment, 'environment')}/ssh`;
  }

  ca(options: Env = {}): Promise<SshCa> {
    return this.http.call({ method: 'GET', path: `${this.#base(options.environment)}/ca`, idempotent: true });
  }

  createKey(input: Env & { keyType: SshKeyType; comment?: string }): Promise<CreatedSshKey> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#base(environment)}/keys`, body, idempotent: false });
  }

  getKey(id: string, options: Env = {}): Promise<SshKey> {
    return this.http.call({ method: 'GET', path: `${this.#base(options.environment)}/keys/${seg(id, 'id')}`, idempotent: true });
  }

  async listKeys(options: Env = {}): Promise<SshKey[]> {
    return (await this.http.call<{ keys: SshKey[] }>({ method: 'GET', path: `${this.#base(options.environment)}/keys`, idempotent: true })).keys;
  }

  signCertificate(input: SignSshCertificateInput): Promise<SshCertificate> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#base(environment)}/certificates`, body, idempotent: false });
  }

  getCertificate(serial: string, options: Env = {}): Promise<SshCertificate> {
    return this.http.call({ method: 'GET', path: `${this.#base(options.environment)}/certificates/${seg(serial, 'serial')}`, idempotent: true });
  }

  async listCertificates(options: Env = {}): Promise<SshCertificateSummary[]> {
    return (await this.http.call<{ certificates: SshCertificateSummary[] }>({ method: 'GET', path: `${this.#base(options.environment)}/certificates`, idempotent: true })).certificates;
  }

  revokeCertificate(serial: string, options: Env = {}): Promise<SshCertificate> {
    requireString(serial, 'serial');
    return this.http.call({ method: 'POST', path: `${this.#base(options.environment)}/certificates/${seg(serial, 'serial')}/revoke`, idempotent: false });
  }

  /** The KRL as bytes, ready to write to the file sshd's `RevokedKeys` names. */
  async krl(options: Env = {}): Promise<{ version: number; generatedAt: string; revokedSerials: string[]; krl: Uint8Array }> {
    const res = await this.http.call<{ version: number; generatedAt: string; revokedSerials: string[]; krl: string }>({ method: 'GET', path: `${this.#base(options.environment)}/krl`, idempotent: true });
    return { ...res, krl: new Uint8Array(Buffer.from(res.krl, 'base64')) };
  }
}
