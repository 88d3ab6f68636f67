/**
 * Certificates against a real gateway, checked by openssl itself: chains verify, the text shows what was
 * asked for, revocation lands in the CRL and `verify -crl_check` refuses the certificate, CSRs are
 * certified with the requester's key, and bad input is refused with nothing issued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCertificate } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';
import { scratch, tool, type Scratch } from './tools.js';

let h: Harness;
let tmp: Scratch;
let rootPath: string;
let intermediatePath: string;

beforeAll(async () => {
  h = await startHarness();
  tmp = await scratch('luxkms-pki-');
  const ca = await h.admin.certificates.authority();
  rootPath = await tmp.file('root.pem', ca.root.certificate);
  intermediatePath = await tmp.file('intermediate.pem', ca.intermediate.certificate);
});
afterAll(async () => {
  await h.close();
  await tmp.remove();
});

async function verify(cert: string, extra: string[] = []) {
  const leaf = await tmp.file(`leaf-${Math.random().toString(16).slice(2)}.pem`, cert);
  return tool('openssl', ['verify', ...extra, '-CAfile', rootPath, '-untrusted', intermediatePath, leaf]);
}

async function text(cert: string): Promise<string> {
  return (await tool('openssl', ['x509', '-noout', '-text'], { input: cert })).stdout;
}

describe('issuance', () => {
  let cert: CreatedCertificate;

  it('runs the brief\'s example, and openssl verifies the chain and shows CN, SANs, usages and validity', async () => {
    const kms = h.admin;
    cert = await kms.certificates.create({
      commonName: 'api.yourbank.com',
      sans: ['api.yourbank.com', '*.yourbank.com'],
      validity: '365d',
      keyType: 'ECDSA_P256',
    });
    expect(cert.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.chain).toHaveLength(2);

    const v = await verify(cert.certificate);
    expect(v.stdout).toMatch(/: OK\n$/);
    expect(v.code).toBe(0);

    const t = await text(cert.certificate);
    expect(t).toContain('Subject: CN = api.yourbank.com');
    expect(t).toContain('DNS:api.yourbank.com, DNS:*.yourbank.com');
    expect(t).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(t).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(t).toContain('CA:FALSE');
    expect(t).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(t).toContain('NIST CURVE: P-256');
    const days = (Date.parse(cert.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThanOrEqual(365);
    const end = /Not After : (.+)\n/.exec(t)![1]!;
    expect(Math.abs(Date.parse(end) - Date.parse(cert.notAfter))).toBeLessThan(1000);

    // The returned private key belongs to the certificate.
    const keyMod = await tool('openssl', ['pkey', '-pubout'], { input: cert.privateKey });
    const certMod = await tool('openssl', ['x509', '-noout', '-pubkey'], { input: cert.certificate });
    expect(keyMod.stdout).toBe(certMod.stdout);
  });

  it.each([
    ['ECDSA_P384', 'NIST CURVE: P-384'],
    ['RSA_2048', 'Public-Key: (2048 bit)'],
    ['RSA_3072', 'Public-Key: (3072 bit)'],
    ['ED25519', 'ED25519'],
  ] as const)('issues %s certificates openssl verifies', async (keyType, shows) => {
    const c = await h.admin.certificates.create({ commonName: `${keyType.toLowerCase().replace('_', '-')}.example.com`, validity: '12h', keyType });
    expect((await verify(c.certificate)).code).toBe(0);
    const t = await text(c.certificate);
    expect(t).toContain(shows);
    // RSA keys may be used for TLS key transport; others only sign.
    expect(t.includes('Key Encipherment')).toBe(keyType.startsWith('RSA'));
    expect(Date.parse(c.notAfter) - Date.now()).toBeLessThanOrEqual(12 * 3600_000);
  });

  it('puts IP addresses and URIs in the SAN, and the profiles set the extended key usages', async () => {
    const c = await h.admin.certificates.create({ commonName: 'svc', sans: ['127.0.0.1', '::1', 'spiffe://lux/ns/prod/sa/api', 'svc.internal'], validity: '1h', keyType: 'ED25519', profile: 'client' });
    const t = await text(c.certificate);
    expect(t).toContain('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:spiffe://lux/ns/prod/sa/api, DNS:svc.internal');
    expect(t).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    const signing = await h.admin.certificates.create({ commonName: 'Lux Release Signing', validity: '30d', keyType: 'ECDSA_P384', profile: 'code-signing' });
    const st = await text(signing.certificate);
    expect(st).toMatch(/Extended Key Usage:\s+Code Signing/);
    expect(st).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect((await verify(signing.certificate)).code).toBe(0);
    // ...but it is no TLS server certificate.
    expect((await verify(signing.certificate, ['-purpose', 'sslserver'])).code).not.toBe(0);
    expect((await verify(c.certificate, ['-purpose', 'sslclient'])).code).toBe(0);
    expect((await verify(c.certificate, ['-purpose', 'sslserver'])).code).not.toBe(0);
  });

  it('lists, gets and exports, and never returns the private key again', async () => {
    const got = await h.admin.certificates.get(cert.id);
    expect(got.certificate).toBe(cert.certificate);
    expect(got.status).toBe('active');
    expect(JSON.stringify(got)).not.toContain('PRIVATE KEY');
    const listed = await h.admin.certificates.list({ status: 'active' });
    expect(listed.certificates.map((c) => c.id)).toContain(cert.id);
    const pem = await h.admin.certificates.export(cert.id);
    expect(pem.fullChain).toBe(cert.certificate + cert.chain.join(''));
    const der = await h.admin.certificates.export(cert.id, { format: 'der' });
    const parsed = await tool('openssl', ['x509', '-inform', 'DER', '-noout', '-subject', '-in', await tmp.file('der.cer', Buffer.from(der.certificate, 'base64'))]);
    expect(parsed.stdout.trim()).toBe('subject=CN = api.yourbank.com');

  });
});

describe('revocation and CRLs', () => {
  it('a revoked certificate is listed in the CRL and openssl verify -crl_check refuses it', async () => {
    const keep = await h.admin.certificates.create({ commonName: 'keep.example.com', validity: '1d', keyType: 'ECDSA_P256' });
    const gone = await h.admin.certificates.create({ commonName: 'gone.example.com', validity: '1d', keyType: 'ECDSA_P256' });
    const before = await h.admin.certificates.crl();
    const revoked = await h.admin.certificates.revoke(gone.id, { reason: 'keyCompromise' });
    expect(revoked.status).toBe('revoked');
    expect(revoked.crlNumber).toBe(before.number + 1);

    const crl = await h.admin.certificates.crl();
    const crlPath = await tmp.file('intermediate.crl', crl.crl);
    const crlText = (await tool('openssl', ['crl', '-noout', '-text', '-in', crlPath])).stdout;
    expect(crlText).toContain(`Serial Number: ${gone.id.toUpperCase()}`);
    expect(crlText).toContain('Key Compromise');
    expect(crlText).not.toContain(keep.id.toUpperCase());
    expect(crlText).toMatch(new RegExp(`CRL Number: \\s*${crl.number}`));
    // The CRL is signed by the intermediate.
    expect((await tool('openssl', ['crl', '-noout', '-in', crlPath, '-CAfile', intermediatePath])).stderr).toContain('verify OK');

    const refused = await verify(gone.certificate, ['-crl_check', '-CRLfile', crlPath]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('certificate revoked');
    const accepted = await verify(keep.certificate, ['-crl_check', '-CRLfile', crlPath]);
    expect(accepted.code).toBe(0);

    await expect(h.admin.certificates.revoke(gone.id)).rejects.toMatchObject({ status: 409, code: 'already_revoked' });
    expect((await h.admin.certificates.list({ status: 'revoked' })).certificates.map((c) => c.id)).toEqual([gone.id]);
  });

  it('the root has a CRL too, so -crl_check_all passes for a good chain', async () => {
    const rootCrl = await h.admin.certificates.crl({ issuerId: 'root' });
    const crl = await h.admin.certificates.crl();
    const both = await tmp.file('all.crl', rootCrl.crl + crl.crl);
    const c = await h.admin.certificates.create({ commonName: 'all.example.com', validity: '1d', keyType: 'ED25519' });
    expect((await verify(c.certificate, ['-crl_check_all', '-CRLfile', both])).code).toBe(0);
  });
});

describe('certificate signing requests', () => {
  it('certifies the key of an openssl-made CSR with its CN and SANs', async () => {
    const key = await tmp.file('csr.key', (await tool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'])).stdout);
    const csr = (await tool('openssl', ['req', '-new', '-key', key, '-subj', '/CN=csr.example.com', '-addext', 'subjectAltName=DNS:csr.example.com,IP:10.0.0.7'])).stdout;
    const issued = await h.admin.certificates.signCsr({ csr, validity: '90d' });
    expect(issued.keyType).toBe('ECDSA_P384');
    expect(issued.source).toBe('csr');
    expect(issued).not.toHaveProperty('privateKey');
    expect((await verify(issued.certificate)).code).toBe(0);
    const t = await text(issued.certificate);
    expect(t).toContain('Subject: CN = csr.example.com');
    expect(t).toContain('DNS:csr.example.com, IP Address:10.0.0.7');
    const pub = await tool('openssl', ['pkey', '-in', key, '-pubout']);
    expect((await tool('openssl', ['x509', '-noout', '-pubkey'], { input: issued.certificate })).stdout).toBe(pub.stdout);
  });

  it('a CSR whose signature was tampered with is refused (no proof of possession)', async () => {
    const key = await tmp.file('t.key', (await tool('openssl', ['genpkey', '-algorithm', 'ED25519'])).stdout);
    const csr = (await tool('openssl', ['req', '-new', '-key', key, '-subj', '/CN=victim.example.com'])).stdout;
    const der = Buffer.from(csr.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
    der[der.length - 1]! ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(h.admin.certificates.signCsr({ csr: tampered, validity: '1d' })).rejects.toMatchObject({ status: 400, code: 'invalid_csr' });
  });
});

describe('bad input is refused with a 4xx and nothing is issued', () => {
  const count = async () => (await h.admin.certificates.list({ limit: 1000 })).certificates.length;

  it.each([
    ['an invalid SAN', { sans: ['bad host.example.com'] }, 'invalid_san', '"sans[0]"'],
    ['a wildcard over a top-level label', { sans: ['*.com'] }, 'invalid_san', 'wildcard'],
    ['a wildcard in the middle', { sans: ['api.*.example.com'] }, 'invalid_san', 'wildcard'],
    ['an unknown key type', { keyType: 'DSA_1024' }, 'unsupported_key_type', 'ECDSA_P256, ECDSA_P384'],
    ['a malformed validity', { validity: '1 year' }, 'invalid_duration', '"validity"'],
    ['validity longer than the CA\'s', { validity: '7300d' }, 'validity_exceeds_issuer', 'after issuer "intermediate" expires'],
    ['an unknown profile', { profile: 'email' }, 'invalid_profile', '"profile"'],
    ['issuing straight from the root', { issuerId: 'root' }, 'issuer_not_allowed', 'root CA signs only intermediates'],
  ])('%s', async (_name, override, code, message) => {
    const before = await count();
    const err = await h.admin.certificates
      .create({ commonName: 'bad.example.com', sans: ['bad.example.com'], validity: '1d', keyType: 'ECDSA_P256', ...(override as object) })
      .catch((e) => e);
    expect(err).toMatchObject({ status: 400, code });
    expect(err.message).toContain(message);
    expect(await count()).toBe(before);
  });

  it('a malformed CSR', async () => {
    const before = await count();
    for (const csr of ['not a csr', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n']) {
      await expect(h.admin.certificates.signCsr({ csr, validity: '1d' })).rejects.toMatchObject({ status: 400, code: 'invalid_csr' });
    }
    expect(await count()).toBe(before);
  });

  it('a server certificate without any usable name', async () => {
    await expect(h.admin.certificates.create({ commonName: 'Payments Team', validity: '1d', keyType: 'ED25519' })).rejects.toMatchObject({ status: 400, code: 'san_required' });
  });

  it('every issuance and revocation is in the audit log', async () => {
    const records = (await h.admin.audit.list({ limit: 1000 })).records.filter((r) => r.resource.startsWith('certificate:'));
    expect(records.some((r) => r.action === 'create' && r.result === 'allowed' && r.resource === 'certificate:api.yourbank.com')).toBe(true);
    expect(records.some((r) => r.action === 'revoke' && r.result === 'allowed')).toBe(true);
    expect((await h.admin.audit.verify()).valid).toBe(true);
  });
});

describe('imported external CAs', () => {
  it('issues from an imported CA, and openssl verifies against the external root', async () => {
    const key = await tmp.file('ext.key', (await tool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])).stdout);
    const extCa = (await tool('openssl', ['req', '-x509', '-new', '-key', key, '-subj', '/O=Corp/CN=Corp Issuing CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])).stdout;
    const ca = await h.admin.certificates.importAuthority({ name: 'corp', certificate: extCa, privateKey: (await tool('openssl', ['pkey', '-in', key])).stdout });
    expect(ca).toMatchObject({ id: 'corp', kind: 'imported', keyType: 'ECDSA_P256' });
    expect(JSON.stringify(await h.admin.certificates.listAuthorities())).not.toContain('PRIVATE KEY');

    const leaf = await h.admin.certificates.create({ commonName: 'corp.example.com', validity: '7d', keyType: 'ED25519', issuerId: 'corp' });
    expect(leaf.chain).toEqual([extCa]);
    const v = await tool('openssl', ['verify', '-CAfile', await tmp.file('ext.pem', extCa), await tmp.file('corp-leaf.pem', leaf.certificate)]);
    expect(v.code).toBe(0);
    // Longer than the imported CA's 30 days: refused, not silently shortened.
    await expect(h.admin.certificates.create({ commonName: 'corp.example.com', validity: '60d', keyType: 'ED25519', issuerId: 'corp' })).rejects.toMatchObject({ status: 400, code: 'validity_exceeds_issuer' });
  });

  it('refuses a non-CA certificate and a key that does not match', async () => {
    const leafCert = await h.admin.certificates.create({ commonName: 'leaf.example.com', validity: '1d', keyType: 'ECDSA_P256' });
    await expect(h.admin.certificates.importAuthority({ name: 'fake', certificate: leafCert.certificate, privateKey: leafCert.privateKey })).rejects.toMatchObject({ status: 400, code: 'not_a_ca' });
    const { intermediate } = await h.admin.certificates.authority();
    await expect(h.admin.certificates.importAuthority({ name: 'stolen', certificate: intermediate.certificate, privateKey: leafCert.privateKey })).rejects.toMatchObject({ status: 400, code: 'key_mismatch' });
  });
});

it('the OpenAPI document describes the certificates and SSH routes', async () => {
  const doc = (await (await fetch(`${h.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
  for (const path of ['/v1/environments/{environment}/certificates', '/v1/environments/{environment}/certificates/sign', '/v1/environments/{environment}/certificates/{id}/auto-renewal', '/v1/environments/{environment}/pki/authorities/{caId}/crl', '/v1/environments/{environment}/ssh/certificates', '/v1/environments/{environment}/ssh/krl']) {
    expect(doc.paths).toHaveProperty([path]);
  }
});
