/**
 * The SSH engine: key pairs in OpenSSH format (the private key returned once, never stored), and an SSH
 * certificate authority per environment that signs user and host certificates and publishes a KRL of
 * the serials it revoked. The CA key is created on first use and kept only behind the storage barrier.
 *
 * Layout: `ssh/ca/<env>` the CA's public record, `ssh/cakey/<env>` its PKCS#8 key, `ssh/key/<env>/<id>`
 * generated key pairs (public half), `ssh/cert/<env>/<serial>` issued certificates, `ssh/revoked/<env>/<serial>`.
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, invalid, notFound } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import { BACKDATE_MS } from '../certificates/authority.js';
import { parseDuration } from '../certificates/duration.js';
import { privateKeyFromPkcs8 } from '../certificates/key-types.js';
import { signSshCertificate, type CertType } from './certificate.js';
import { authorizedKeyLine, fingerprint, generateSshKey, parsePublicKeyLine, privateKeyFile, publicBlob, requireSshKeyType, type SshKeyType } from './keys.js';
import { encodeKrl } from './krl.js';
import type { CriticalOptions, SshCa, SshCertificateRecord, SshKeyInfo } from './records.js';

export const USER_EXTENSIONS = ['no-touch-required', 'permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'] as const;
/** `ssh-keygen -s`'s defaults minus X11 forwarding, which few need and which exposes the client's display. */
export const DEFAULT_USER_EXTENSIONS = ['permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'];
const MAX_PRINCIPALS = 256;
const PRINCIPAL = /^[\x21-\x2b\x2d-\x7e]{1,255}$/; // printable ASCII without space and comma
const KEY_ID = /^[\x20-\x7e]{1,256}$/;

export interface SignInput {
  environment: string;
  publicKey: string;
  certType: CertType;
  principals: string[];
  validity: string;
  keyId?: string;
  criticalOptions?: CriticalOptions;
  extensions?: string[];
}

export interface SshOptions {
  caKeyType: SshKeyType;
}

const caPath = (env: string) => `ssh/ca/${env}`;
const caKeyPath = (env: string) => `ssh/cakey/${env}`;
const keyPath = (env: string, id: string) => `ssh/key/${env}/${id}`;
const certPath = (env: string, serial: string) => `ssh/cert/${env}/${serial}`;
const revokedPrefix = (env: string) => `ssh/revoked/${env}/`;

export class SshService {
  readonly #locks = new KeyedMutex();
  readonly #caKeys = new Map<string, KeyObject>();

  constructor(
    private readonly store: EncryptedStore,
    private readonly options: SshOptions = { caKeyType: 'ED25519' },
  ) {}

  /** The environment's SSH CA (created on first use): put its public key in `TrustedUserCAKeys` / `@cert-authority`. */
  ca(environment: string): Promise<SshCa> {
    return this.#locks.run(`ca/${environment}`, async () => {
      const existing = await this.store.getJson<SshCa>(caPath(environment));
      if (existing) return existing;
      const { publicKey, privateKey } = await generateSshKey(this.options.caKeyType);
      const ca: SshCa = {
        environment,
        keyType: this.options.caKeyType,
        publicKey: authorizedKeyLine(publicKey, `lux-kms-${environment}-ssh-ca`),
        fingerprint: fingerprint(publicBlob(publicKey)),
        createdAt: new Date().toISOString(),
      };
      await this.store.batch([
        this.store.putOp(caKeyPath(environment), new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))),
        this.store.putJsonOp(caPath(environment), ca),
      ]);
      return ca;
    });
  }

  /** A new key pair; the OpenSSH private key is in the answer only. */
  async createKey(environment: string, input: { keyType: string; comment?: string }): Promise<SshKeyInfo & { privateKey: string }> {
    const keyType = requireSshKeyType(input.keyType);
    const comment = input.comment ?? '';
    if (!/^[\x20-\x7e]{0,256}$/.test(comment)) throw invalid('invalid_comment', '"comment" expected at most 256 printable ASCII characters');
    const { publicKey, privateKey } = await generateSshKey(keyType);
    const info: SshKeyInfo = {
      id: randomBytes(8).toString('hex'),
      environment,
      keyType,
      publicKey: authorizedKeyLine(publicKey, comment || undefined),
      fingerprint: fingerprint(publicBlob(publicKey)),
      comment,
      createdAt: new Date().toISOString(),
    };
    await this.store.putJson(keyPath(environment, info.id), info);
    return { ...info, privateKey: privateKeyFile(privateKey, comment) };
  }

  async getKey(environment: string, id: string): Promise<SshKeyInfo> {
    const k = await this.store.getJson<SshKeyInfo>(keyPath(environment, id));
    if (!k) throw notFound('ssh_key_not_found', `SSH key "${id}" does not exist in environment "${environment}"`);
    return k;
  }

  async listKeys(environment: string): Promise<SshKeyInfo[]> {
    const out: SshKeyInfo[] = [];
    for await (const [, k] of this.store.entriesJson<SshKeyInfo>(`ssh/key/${environment}/`)) out.push(k);
    return out;
  }

  /** Signs a user or host certificate for `publicKey`. */
  async sign(input: SignInput): Promise<SshCertificateRecord> {
    const subject = parsePublicKeyLine(input.publicKey, 'publicKey');
    const principals = checkPrincipals(input.principals);
    const validitySeconds = parseDuration(input.validity, 'validity');
    const criticalOptions = checkCriticalOptions(input.certType, input.criticalOptions ?? {});
    const extensions = checkExtensions(input.certType, input.extensions);
    const serial = randomSerial();
    const keyId = input.keyId ?? `lux-kms:${input.environment}:${input.certType}:${serial}`;
    if (!KEY_ID.test(keyId)) throw invalid('invalid_key_id', '"keyId" expected 1..256 printable ASCII characters');

    const ca = await this.ca(input.environment);
    const caKey = await this.#caKey(input.environment);
    // Certificates carry whole seconds; the record says exactly what the certificate says.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const validAfter = new Date(now - BACKDATE_MS);
    const validBefore = new Date(now + validitySeconds * 1000);
    const certificate = signSshCertificate(
      {
        subject: subject.key,
        serial,
        type: input.certType,
        keyId,
        principals,
        validAfter,
        validBefore,
        criticalOptions: Object.fromEntries(Object.entries(criticalOptions).map(([k, v]) => [k, v === true ? '' : String(v)])),
        extensions,
      },
      caKey,
      createPublicKey(caKey),
      keyId,
    );
    const record: SshCertificateRecord = {
      serial: serial.toString(),
      environment: input.environment,
      certType: input.certType,
      keyId,
      principals,
      validAfter: validAfter.toISOString(),
      validBefore: validBefore.toISOString(),
      criticalOptions,
      extensions,
      publicKeyFingerprint: fingerprint(subject.blob),
      caFingerprint: ca.fingerprint,
      certificate,
      createdAt: new Date().toISOString(),
    };
    await this.store.putJson(certPath(input.environment, record.serial), record);
    return record;
  }

  async getCertificate(environment: string, serial: string): Promise<SshCertificateRecord> {
    const c = await this.store.getJson<SshCertificateRecord>(certPath(environment, serial));
    if (!c) throw notFound('ssh_certificate_not_found', `SSH certificate with serial ${serial} does not exist in environment "${environment}"`);
    return c;
  }

  async listCertificates(environment: string): Promise<Omit<SshCertificateRecord, 'certificate'>[]> {
    const out: Omit<SshCertificateRecord, 'certificate'>[] = [];
    for await (const [, { certificate: _c, ...c }] of this.store.entriesJson<SshCertificateRecord>(`ssh/cert/${environment}/`)) out.push(c);
    return out;
  }

  /** Revokes a certificate: it appears in the environment's KRL from now on. */
  revoke(environment: string, serial: string): Promise<SshCertificateRecord> {
    return this.#locks.run(certPath(environment, serial), async () => {
      const c = await this.getCertificate(environment, serial);
      if (c.revokedAt) throw conflict('already_revoked', `SSH certificate ${serial} was already revoked at ${c.revokedAt}`);
      const next = { ...c, revokedAt: new Date().toISOString() };
      await this.store.batch([this.store.putJsonOp(certPath(environment, serial), next), this.store.putJsonOp(revokedPrefix(environment) + serial, { revokedAt: next.revokedAt })]);
      return next;
    });
  }

  /** The KRL: binary, for sshd's `RevokedKeys`; its version is the number of revocations, so it only grows. */
  async krl(environment: string): Promise<{ environment: string; version: number; generatedAt: string; revokedSerials: string[]; krl: Uint8Array }> {
    const ca = await this.ca(environment);
    const serials: string[] = [];
    for await (const key of this.store.keys(revokedPrefix(environment))) serials.push(key.slice(revokedPrefix(environment).length));
    const generatedAt = new Date();
    const krl = encodeKrl({
      version: BigInt(serials.length),
      generatedAt,
      comment: `lux-kms ${environment} ssh ca`,
      caPublicBlob: parsePublicKeyLine(ca.publicKey, 'ca').blob,
      revokedSerials: serials.map(BigInt),
    });
    return { environment, version: serials.length, generatedAt: generatedAt.toISOString(), revokedSerials: serials, krl };
  }

  async #caKey(environment: string): Promise<KeyObject> {
    let key = this.#caKeys.get(environment);
    if (!key) {
      const pkcs8 = await this.store.getBytes(caKeyPath(environment));
      if (!pkcs8) throw notFound('ssh_ca_not_found', `environment "${environment}" has no SSH CA key`);
      key = privateKeyFromPkcs8(pkcs8);
      this.#caKeys.set(environment, key);
    }
    return key;
  }
}

/** 63 random bits, never zero (a KRL cannot list serial 0). Decimal, as `ssh-keygen -L` prints it. */
function randomSerial(): bigint {
  return (randomBytes(8).readBigUInt64BE() >> 1n) || 1n;
}

function checkPrincipals(principals: string[]): string[] {
  if (principals.length === 0) throw invalid('invalid_principals', '"principals" expected at least one principal (a certificate without any is valid for every user)');
  if (principals.length > MAX_PRINCIPALS) throw invalid('invalid_principals', `"principals" expected at most ${MAX_PRINCIPALS}, got ${principals.length}`);
  principals.forEach((p, i) => {
    if (!PRINCIPAL.test(p)) throw invalid('invalid_principals', `"principals[${i}]" expected printable ASCII without spaces or commas, got "${p.slice(0, 64)}"`);
  });
  return [...new Set(principals)];
}

function checkCriticalOptions(type: CertType, options: CriticalOptions): CriticalOptions {
  const names = Object.keys(options);
  if (type === 'host' && names.length) throw invalid('invalid_critical_option', '"criticalOptions": host certificates take none');
  const out: CriticalOptions = {};
  const command = options['force-command'];
  if (command !== undefined) {
    if (!/^[^\x00-\x1f\x7f]{1,4096}$/.test(command)) throw invalid('invalid_critical_option', '"criticalOptions.force-command" expected 1..4096 characters without control characters');
    out['force-command'] = command;
  }
  const source = options['source-address'];
  if (source !== undefined) {
    for (const entry of source.split(',')) {
      const [ip, prefix, extra] = entry.split('/');
      const family = isIP(ip ?? '');
      const max = family === 6 ? 128 : 32;
      if (!family || extra !== undefined || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))) {
        throw invalid('invalid_critical_option', `"criticalOptions.source-address" expected comma-separated addresses or CIDR blocks, got "${entry.slice(0, 64)}"`);
      }
    }
    out['source-address'] = source;
  }
  if (options['verify-required']) out['verify-required'] = true;
  return out;
}

function checkExtensions(type: CertType, extensions: string[] | undefined): string[] {
  if (type === 'host') {
    if (extensions?.length) throw invalid('invalid_extension', '"extensions": host certificates take none');
    return [];
  }
  const list = extensions ?? DEFAULT_USER_EXTENSIONS;
  list.forEach((e, i) => {
    if (!(USER_EXTENSIONS as readonly string[]).includes(e)) throw invalid('invalid_extension', `"extensions[${i}]" expected one of ${USER_EXTENSIONS.join(', ')}, got "${e.slice(0, 64)}"`);
  });
  return [...new Set(list)].sort();
}
