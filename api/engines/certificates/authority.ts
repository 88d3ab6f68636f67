/**
 * Certificate authorities per environment: a self-signed root and an intermediate under it, created on
 * first use, plus external CAs an operator imports (certificate, key and the chain above it). Only the
 * intermediate and imported CAs issue leaf certificates; the root signs intermediates and its own CRL.
 *
 * CA private keys live only behind the storage barrier (`pki/cakey/...`, sealed by the node's seal
 * through the barrier key), are loaded into memory to sign, and no route or method ever returns them.
 */
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, invalid, notFound } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import { generateKey, keyTypeOfPublicKey, privateKeyFromPkcs8, spkiOf, type KeyType } from './key-types.js';
import { publicCrlUrl } from './crl.js';
import type { CaRecord } from './records.js';
import { parseCertificate, randomSerial, signCertificate, type Issuer, type ParsedCertificate } from './x509.js';

export const ROOT_ID = 'root';
export const INTERMEDIATE_ID = 'intermediate';

export interface AuthorityOptions {
  organization: string;
  rootKeyType: KeyType;
  intermediateKeyType: KeyType;
  rootValiditySeconds: number;
  intermediateValiditySeconds: number;
  /** The gateway's public address: certificates signed here name their issuer's CRL under it. */
  publicBaseUrl?: string;
}

export const DEFAULT_AUTHORITY_OPTIONS: AuthorityOptions = {
  organization: 'Lux KMS',
  rootKeyType: 'ECDSA_P384',
  intermediateKeyType: 'ECDSA_P256',
  rootValiditySeconds: 20 * 365 * 86_400,
  intermediateValiditySeconds: 10 * 365 * 86_400,
};

const caPath = (env: string, id: string) => `pki/ca/${env}/${id}`;
const keyPath = (env: string, id: string) => `pki/cakey/${env}/${id}`;
// Clock skew allowance: relying parties whose clocks run a little behind still accept a fresh certificate.
export const BACKDATE_MS = 60_000;

export class Authorities {
  readonly #locks = new KeyedMutex();
  readonly #keys = new Map<string, KeyObject>();

  constructor(
    private readonly store: EncryptedStore,
    private readonly options: AuthorityOptions = DEFAULT_AUTHORITY_OPTIONS,
  ) {}

  /** The environment's root and intermediate, generated on first use. */
  ensure(environment: string): Promise<{ root: CaRecord; intermediate: CaRecord }> {
    return this.#locks.run(`ensure/${environment}`, async () => {
      const root = (await this.store.getJson<CaRecord>(caPath(environment, ROOT_ID))) ?? (await this.#createRoot(environment));
      const intermediate = (await this.store.getJson<CaRecord>(caPath(environment, INTERMEDIATE_ID))) ?? (await this.#createIntermediate(environment, root));
      return { root, intermediate };
    });
  }

  /** The CA if it exists; unlike `get`, never creates the environment's root and intermediate. */
  find(environment: string, id: string): Promise<CaRecord | undefined> {
    return this.store.getJson<CaRecord>(caPath(environment, id));
  }

  /** The CRL Distribution Points for certificates `caId` issues: its public CRL, when the gateway's address is known. */
  crlUrls(environment: string, caId: string): string[] {
    return this.options.publicBaseUrl === undefined ? [] : [publicCrlUrl(this.options.publicBaseUrl, environment, caId)];
  }

  async get(environment: string, id: string): Promise<CaRecord> {
    if (id === ROOT_ID || id === INTERMEDIATE_ID) await this.ensure(environment);
    const ca = await this.store.getJson<CaRecord>(caPath(environment, id));
    if (!ca) throw notFound('ca_not_found', `certificate authority "${id}" does not exist in environment "${environment}"`);
    return ca;
  }

  async list(environment: string): Promise<CaRecord[]> {
    await this.ensure(environment);
    const out: CaRecord[] = [];
    for await (const [, ca] of this.store.entriesJson<CaRecord>(`pki/ca/${environment}/`)) out.push(ca);
    return out;
  }

  /** Every CA of every environment (for CRL scheduling at start). */
  async *all(): AsyncIterable<CaRecord> {
    for await (const [, ca] of this.store.entriesJson<CaRecord>('pki/ca/')) yield ca;
  }

  /** The CA with its signing key, for issuing. The root may only be named with `allowRoot` (intermediates, CRLs). */
  async issuer(environment: string, id: string, allowRoot = false): Promise<Issuer & { record: CaRecord }> {
    if (id === ROOT_ID && !allowRoot) throw invalid('issuer_not_allowed', `"issuerId": the root CA signs only intermediates; issue from "${INTERMEDIATE_ID}" or an imported CA`);
    if (id === ROOT_ID || id === INTERMEDIATE_ID) await this.ensure(environment);
    return this.#signer(environment, id);
  }

  async #signer(environment: string, id: string): Promise<Issuer & { record: CaRecord }> {
    const record = await this.store.getJson<CaRecord>(caPath(environment, id));
    if (!record) throw notFound('ca_not_found', `certificate authority "${id}" does not exist in environment "${environment}"`);
    const path = keyPath(environment, id);
    let key = this.#keys.get(path);
    if (!key) {
      const pkcs8 = await this.store.getBytes(path);
      if (!pkcs8) throw notFound('ca_key_not_found', `certificate authority "${id}" has no signing key`);
      key = privateKeyFromPkcs8(pkcs8);
      this.#keys.set(path, key);
    }
    return { record, certificate: parseCertificate(record.certificate, 'certificate'), key, keyType: record.keyType };
  }

  /** Imports an external CA: its certificate, its private key (never returned again) and the chain above it. */
  async importCa(environment: string, input: { name: string; certificate: string; privateKey: string; chain?: string[] }): Promise<CaRecord> {
    if (input.name === ROOT_ID || input.name === INTERMEDIATE_ID) throw conflict('ca_exists', `"name": "${input.name}" is reserved for the generated CAs`);
    const cert = parseCertificate(input.certificate, 'certificate');
    if (!cert.isCa || (cert.keyUsages && !cert.keyUsages.includes('keyCertSign'))) {
      throw invalid('not_a_ca', '"certificate" is not a CA certificate (basicConstraints CA:TRUE and keyCertSign are required)');
    }
    if (cert.notAfter.getTime() <= Date.now()) throw invalid('ca_expired', `"certificate" expired at ${cert.notAfter.toISOString()}`);
    const keyType = keyTypeOfPublicKey(cert.publicKey, 'certificate');
    let key: KeyObject;
    try {
      key = createPrivateKey(input.privateKey);
    } catch {
      throw invalid('invalid_private_key', '"privateKey" expected an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)');
    }
    if (!Buffer.from(spkiOf(createPublicKey(key))).equals(Buffer.from(spkiOf(cert.publicKey)))) {
      throw invalid('key_mismatch', '"privateKey" does not belong to "certificate"');
    }
    const chain = (input.chain ?? []).map((pem, i) => parseCertificate(pem, `chain[${i}]`));
    checkChain([cert, ...chain]);
    return this.#locks.run(`import/${environment}/${input.name}`, async () => {
      if (await this.store.getJson(caPath(environment, input.name))) throw conflict('ca_exists', `certificate authority "${input.name}" already exists in "${environment}"`);
      const record = recordOf(environment, input.name, 'imported', keyType, cert, chain.map((c) => c.pem));
      await this.#save(record, new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })));
      return record;
    });
  }

  async #createRoot(environment: string): Promise<CaRecord> {
    const o = this.options;
    const generated = await generateKey(o.rootKeyType);
    const key = privateKeyFromPkcs8(generated.pkcs8);
    const now = Date.now();
    const cert = signCertificate(
      {
        serial: randomSerial(randomBytes(16)),
        subject: { organization: o.organization, commonName: `${o.organization} ${environment} Root CA` },
        spki: spkiOf(generated.publicKey),
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + o.rootValiditySeconds * 1000),
        keyUsages: ['keyCertSign', 'cRLSign'],
        ca: {},
      },
      { self: key, keyType: o.rootKeyType },
    );
    const record = recordOf(environment, ROOT_ID, 'root', o.rootKeyType, cert, []);
    await this.#save(record, generated.pkcs8);
    return record;
  }

  async #createIntermediate(environment: string, root: CaRecord): Promise<CaRecord> {
    const o = this.options;
    const parent = await this.#signer(environment, ROOT_ID);
    const generated = await generateKey(o.intermediateKeyType);
    const now = Date.now();
    const notAfter = Math.min(now + o.intermediateValiditySeconds * 1000, parent.certificate.notAfter.getTime());
    const cert = signCertificate(
      {
        serial: randomSerial(randomBytes(16)),
        subject: { organization: o.organization, commonName: `${o.organization} ${environment} Intermediate CA` },
        spki: spkiOf(generated.publicKey),
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(notAfter),
        keyUsages: ['digitalSignature', 'keyCertSign', 'cRLSign'],
        // pathLength 0: the intermediate issues leaves only, never further CAs.
        ca: { pathLength: 0 },
        crlUrls: this.crlUrls(environment, ROOT_ID),
      },
      parent,
    );
    const record = recordOf(environment, INTERMEDIATE_ID, 'intermediate', o.intermediateKeyType, cert, [root.certificate]);
    await this.#save(record, generated.pkcs8);
    return record;
  }

  async #save(record: CaRecord, pkcs8: Uint8Array): Promise<void> {
    await this.store.batch([this.store.putOp(keyPath(record.environment, record.id), pkcs8), this.store.putJsonOp(caPath(record.environment, record.id), record)]);
  }
}

function recordOf(environment: string, id: string, kind: CaRecord['kind'], keyType: KeyType, cert: ParsedCertificate, chain: string[]): CaRecord {
  return {
    id,
    environment,
    kind,
    keyType,
    subject: cert.subject,
    serialNumber: cert.serial,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    certificate: cert.pem,
    chain,
    createdAt: new Date().toISOString(),
  };
}

/** Each certificate must be signed by the next one, so the chain handed to clients actually links up. */
function checkChain(certs: ParsedCertificate[]): void {
  for (let i = 0; i + 1 < certs.length; i++) {
    const child = new X509Certificate(Buffer.from(certs[i]!.der));
    const parent = new X509Certificate(Buffer.from(certs[i + 1]!.der));
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw invalid('invalid_chain', `"chain[${i}]" did not issue ${i === 0 ? '"certificate"' : `"chain[${i - 1}]"`}`);
    }
  }
}
