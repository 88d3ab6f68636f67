/**
 * certificateHold and the public CRL, on an in-memory store: a hold lists reason 6 and pauses renewal,
 * a release takes the serial out of a freshly numbered CRL, a final revocation replaces the hold; the
 * published CRL never creates CAs; the CRL Distribution Points extension and the `pki` option's checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Barrier, EncryptedStore } from '../../../api/server/barrier.js';
import * as der from '../../../api/engines/certificates/der.js';
import { preferredCrlFormat } from '../../../api/engines/certificates/crl-format.js';
import { parsePkiOptions } from '../../../api/engines/certificates/options.js';
import { CertificateService, DEFAULT_PKI_OPTIONS, type PkiOptions } from '../../../api/engines/certificates/service.js';
import { pemDecode } from '../../../api/engines/certificates/x509.js';
import type { WebhookService } from '../../../api/engines/webhooks/service.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

const ENV = 'production';

/** The revokedCertificates of a PEM CRL: serial (lowercase hex) → reason code (0 when the entry has none). */
function crlEntries(pem: string): Map<string, number> {
  const [tbs] = der.children(der.readWhole(pemDecode(pem, ['X509 CRL'])!));
  const list = der.children(tbs!).find((n, i) => i > 4 && n.tag === 0x30);
  const out = new Map<string, number>();
  for (const entry of list ? der.children(list) : []) {
    const [serial, , exts] = der.children(entry);
    const reason = exts ? der.readWhole(der.children(der.children(exts)[0]!)[1]!.content).content[0]! : 0;
    out.set(Buffer.from(serial!.content).toString('hex').replace(/^00/, ''), reason);
  }
  return out;
}

/** The URIs of a certificate's CRL Distribution Points extension, or undefined without one. */
function distributionPoints(pem: string): string[] | undefined {
  const [tbs] = der.children(der.readWhole(pemDecode(pem, ['CERTIFICATE'])!));
  const extField = der.children(tbs!).find((n) => n.tag === 0xa3)!;
  for (const ext of der.children(der.children(extField)[0]!)) {
    const parts = der.children(ext);
    if (der.readOid(parts[0]!) !== '2.5.29.31') continue;
    // SEQUENCE OF DistributionPoint { [0] { [0] GeneralNames } } with URIs as [6].
    return der.children(der.readWhole(parts[parts.length - 1]!.content)).map((dp) => {
      const fullName = der.children(der.children(der.children(dp)[0]!)[0]!)[0]!;
      expect(fullName.tag).toBe(0x86);
      return Buffer.from(fullName.content).toString('ascii');
    });
  }
  return undefined;
}

async function makeService(options: Partial<PkiOptions> = {}) {
  const raw = new MemoryKeyValueStore();
  const { barrier } = await Barrier.open(raw, await createSoftwareSeal({ passphrase: 'unit-test-passphrase', salt: generateSalt() }));
  const store = new EncryptedStore(raw, barrier);
  const service = new CertificateService(store, {} as WebhookService, { append: async () => undefined }, { ...DEFAULT_PKI_OPTIONS, ...options });
  await service.start();
  return { raw, store, service };
}

async function keysUnder(raw: MemoryKeyValueStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const [key] of raw.entries(prefix)) out.push(key);
  return out;
}

describe('certificateHold', () => {
  let service: CertificateService;
  let raw: MemoryKeyValueStore;
  let store: EncryptedStore;

  beforeEach(async () => ({ service, raw, store } = await makeService()));
  afterEach(() => service.close());

  const issue = (cn: string) => service.create({ environment: ENV, commonName: cn, validity: '10d', keyType: 'ED25519' });

  it('lists the serial with reason 6, keeps the record held, and pauses auto-renewal without forgetting it', async () => {
    const cert = await issue('hold.example.com');
    await service.enableAutoRenewal(ENV, { certId: cert.id, renewBefore: '2d' });
    expect(await keysUnder(raw, `pki/renew/${ENV}/`)).toEqual([`pki/renew/${ENV}/${cert.id}`]);

    const held = await service.revoke(ENV, cert.id, 'certificateHold');
    expect(held).toMatchObject({ status: 'held', revocation: { reason: 'certificateHold' }, autoRenewal: { renewBefore: '2d' } });
    expect(await keysUnder(raw, `pki/renew/${ENV}/`)).toEqual([]);
    const crl = await service.crl(ENV, 'intermediate');
    expect(crl.number).toBe(held.crlNumber);
    expect(crlEntries(crl.crl)).toEqual(new Map([[cert.id, 6]]));
    expect((await service.list(ENV, { status: 'held', limit: 10 })).certificates.map((c) => c.id)).toEqual([cert.id]);
    expect((await service.list(ENV, { status: 'revoked', limit: 10 })).certificates).toEqual([]);
  });

  it('a release takes the serial out of a re-signed CRL with the next number and resumes auto-renewal', async () => {
    const cert = await issue('release.example.com');
    const other = await issue('other.example.com');
    await service.enableAutoRenewal(ENV, { certId: cert.id, renewBefore: '2d' });
    await service.revoke(ENV, other.id, 'superseded');
    const held = await service.revoke(ENV, cert.id, 'certificateHold');

    const released = await service.releaseHold(ENV, cert.id);
    expect(released.status).toBe('active');
    expect(released.revocation).toBeUndefined();
    expect(released.crlNumber).toBe(held.crlNumber + 1);
    const crl = await service.crl(ENV, 'intermediate');
    expect(crl.number).toBe(released.crlNumber);
    expect(crlEntries(crl.crl)).toEqual(new Map([[other.id, 4]]));
    expect(await keysUnder(raw, `pki/renew/${ENV}/`)).toEqual([`pki/renew/${ENV}/${cert.id}`]);
    expect((await service.get(ENV, cert.id)).autoRenewal?.renewBefore).toBe('2d');
  });

  it('a final revocation replaces the hold, keeps the hold\'s date, ends auto-renewal and cannot be released', async () => {
    const cert = await issue('final.example.com');
    await service.enableAutoRenewal(ENV, { certId: cert.id, renewBefore: '2d' });
    const held = await service.revoke(ENV, cert.id, 'certificateHold');
    await new Promise((r) => setTimeout(r, 5));
    const revoked = await service.revoke(ENV, cert.id, 'keyCompromise');
    expect(revoked).toMatchObject({ status: 'revoked', revocation: { reason: 'keyCompromise', revokedAt: held.revocation!.revokedAt } });
    expect(revoked.autoRenewal).toBeUndefined();
    expect(revoked.crlNumber).toBe(held.crlNumber + 1);
    expect(crlEntries((await service.crl(ENV, 'intermediate')).crl)).toEqual(new Map([[cert.id, 1]]));
    await expect(service.releaseHold(ENV, cert.id)).rejects.toMatchObject({ kind: 'conflict', code: 'not_on_hold', message: expect.stringContaining('keyCompromise') });
    await expect(service.revoke(ENV, cert.id, 'certificateHold')).rejects.toMatchObject({ code: 'already_revoked' });
  });

  it('releasing a certificate that is not on hold is 409 not_on_hold, and the CRL is not re-signed', async () => {
    const cert = await issue('active.example.com');
    const before = await service.crl(ENV, 'intermediate');
    await expect(service.releaseHold(ENV, cert.id)).rejects.toMatchObject({ kind: 'conflict', statusCode: 409, code: 'not_on_hold' });
    expect((await service.crl(ENV, 'intermediate')).number).toBe(before.number);
    await expect(service.releaseHold(ENV, 'abcdef')).rejects.toMatchObject({ statusCode: 404, code: 'certificate_not_found' });
  });

  it('holding a certificate already on hold is 409 already_held; renewing or re-enabling renewal of a held one is 409 certificate_held', async () => {
    const cert = await issue('twice.example.com');
    await service.revoke(ENV, cert.id, 'certificateHold');
    await expect(service.revoke(ENV, cert.id, 'certificateHold')).rejects.toMatchObject({ statusCode: 409, code: 'already_held' });
    await expect(service.renew(ENV, cert.id)).rejects.toMatchObject({ statusCode: 409, code: 'certificate_held' });
    await expect(service.enableAutoRenewal(ENV, { certId: cert.id, renewBefore: '1d' })).rejects.toMatchObject({ statusCode: 409, code: 'certificate_held' });
  });

  it('a release after a restart still finds the hold (the CRL is rebuilt from stored entries)', async () => {
    const cert = await issue('restart.example.com');
    await service.revoke(ENV, cert.id, 'certificateHold');
    service.close();
    const again = new CertificateService(store, {} as WebhookService, { append: async () => undefined });
    await again.start();
    try {
      expect(crlEntries((await again.crl(ENV, 'intermediate')).crl).get(cert.id)).toBe(6);
      await again.releaseHold(ENV, cert.id);
      expect(crlEntries((await again.crl(ENV, 'intermediate')).crl).size).toBe(0);
    } finally {
      again.close();
    }
  });
});

describe('published CRL', () => {
  let service: CertificateService;
  let raw: MemoryKeyValueStore;

  beforeEach(async () => ({ service, raw } = await makeService()));
  afterEach(() => service.close());

  it('an unknown CA or environment gets nothing, and no CA is generated for it', async () => {
    expect(await service.publishedCrl('staging', 'intermediate')).toBeUndefined();
    expect(await service.publishedCrl('nowhere', 'root')).toBeUndefined();
    expect(await keysUnder(raw, 'pki/')).toEqual([]);
    await service.authority(ENV);
    expect(await service.publishedCrl(ENV, 'corp')).toBeUndefined();
  });

  it('a CA that exists is published, its first CRL signed on demand and then kept', async () => {
    await service.authority(ENV);
    const first = await service.publishedCrl(ENV, 'intermediate');
    expect(first?.number).toBe(1);
    expect((await service.publishedCrl(ENV, 'intermediate'))?.number).toBe(1);
    const cert = await service.create({ environment: ENV, commonName: 'pub.example.com', validity: '1d', keyType: 'ED25519' });
    await service.revoke(ENV, cert.id, 'certificateHold');
    expect(crlEntries((await service.publishedCrl(ENV, 'intermediate'))!.crl).get(cert.id)).toBe(6);
  });
});

describe('CRL Distribution Points', () => {
  it('with publicBaseUrl, leaves name their issuer\'s public CRL and the intermediate names the root\'s', async () => {
    const { service } = await makeService({ publicBaseUrl: 'http://pki.example.com/kms' });
    try {
      const cert = await service.create({ environment: ENV, commonName: 'cdp.example.com', validity: '1d', keyType: 'ECDSA_P256' });
      expect(distributionPoints(cert.certificate)).toEqual(['http://pki.example.com/kms/v1/pki/crl/production/intermediate.crl']);
      const { root, intermediate } = await service.authority(ENV);
      expect(distributionPoints(intermediate.certificate)).toEqual(['http://pki.example.com/kms/v1/pki/crl/production/root.crl']);
      expect(distributionPoints(root.certificate)).toBeUndefined();
    } finally {
      service.close();
    }
  });

  it('without publicBaseUrl there is no extension at all', async () => {
    const { service } = await makeService();
    try {
      const cert = await service.create({ environment: ENV, commonName: 'nocdp.example.com', validity: '1d', keyType: 'ECDSA_P256' });
      expect(distributionPoints(cert.certificate)).toBeUndefined();
      expect(distributionPoints((await service.authority(ENV)).intermediate.certificate)).toBeUndefined();
    } finally {
      service.close();
    }
  });
});

describe('the pki gateway option', () => {
  it('accepts http and https base URLs, with a path, and drops trailing slashes', () => {
    expect(parsePkiOptions(undefined)).toEqual({});
    expect(parsePkiOptions({})).toEqual({});
    expect(parsePkiOptions({ publicBaseUrl: 'http://pki.example.com/' })).toEqual({ publicBaseUrl: 'http://pki.example.com' });
    expect(parsePkiOptions({ publicBaseUrl: 'https://Example.COM:8443/kms//' })).toEqual({ publicBaseUrl: 'https://example.com:8443/kms' });
  });

  it.each([
    ['a non-object', 'https://x', TypeError, '"pki" expected an object'],
    ['an unknown option (a typo)', { publicBaseURL: 'https://x' }, TypeError, 'no option "publicBaseURL"'],
    ['a non-string URL', { publicBaseUrl: 8200 }, TypeError, 'got 8200'],
    ['an empty URL', { publicBaseUrl: '' }, RangeError, 'expected 1..1024 characters, got 0'],
    ['an over-long URL', { publicBaseUrl: `https://x.com/${'a'.repeat(1100)}` }, RangeError, 'expected 1..1024 characters'],
    ['a relative URL', { publicBaseUrl: '/v1' }, TypeError, 'absolute http or https URL'],
    ['an ldap URL', { publicBaseUrl: 'ldap://dir.example.com' }, TypeError, 'absolute http or https URL'],
    ['credentials in the URL', { publicBaseUrl: 'https://user:pw@pki.example.com' }, TypeError, 'without credentials'],
    ['a query string', { publicBaseUrl: 'https://pki.example.com/?a=1' }, TypeError, 'query'],
    ['a fragment', { publicBaseUrl: 'https://pki.example.com/#x' }, TypeError, 'fragment'],
    ['an empty query', { publicBaseUrl: 'https://pki.example.com/?' }, TypeError, 'query'],
  ])('refuses %s', (_name, value, type, message) => {
    expect(() => parsePkiOptions(value)).toThrow(type);
    expect(() => parsePkiOptions(value)).toThrow(message);
  });
});

describe('CRL format negotiation', () => {
  it.each([
    [undefined, 'der'],
    ['*/*', 'der'],
    ['application/pkix-crl', 'der'],
    ['application/x-pem-file', 'pem'],
    ['application/pkix-crl;q=0.5, application/x-pem-file', 'pem'],
    ['application/pkix-crl, application/x-pem-file', 'der'],
    ['application/x-pem-file;q=0', 'der'],
    ['Application/X-PEM-File ; q=0.9, */*;q=0.1', 'pem'],
    [`application/x-pem-file, ${'x'.repeat(3000)}`, 'der'],
  ] as const)('Accept %j gets %s', (accept, format) => {
    expect(preferredCrlFormat(accept)).toBe(format);
  });
});
