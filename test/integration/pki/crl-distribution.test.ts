/**
 * The public CRL and certificateHold against a real gateway, checked by openssl: relying parties fetch
 * the CRL without an API key (DER or PEM), certificates name it in their CRL Distribution Points so
 * `openssl verify -crl_download` finds it alone, a hold lists "Certificate Hold" until released, and
 * the public route answers nothing but CRLs (one 404 for unknown CAs and environments, rate-limited).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCertificate } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';
import { scratch, tool, type Scratch } from './tools.js';

let h: Harness;
let tmp: Scratch;
let base: string;
let chainPath: string;

/** A port that was free a moment ago: the gateway must know its public address before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  h = await startHarness({ port, pki: { publicBaseUrl: `${base}/` } });
  tmp = await scratch('luxkms-crl-');
  const ca = await h.admin.certificates.authority();
  chainPath = await tmp.file('chain.pem', ca.intermediate.certificate + ca.root.certificate);
});
afterAll(async () => {
  await h.close();
  await tmp.remove();
});

const crlUrl = (env: string, ca: string) => `${h.url}/v1/pki/crl/${env}/${ca}.crl`;
const issue = (cn: string): Promise<CreatedCertificate> => h.admin.certificates.create({ commonName: cn, validity: '30d', keyType: 'ECDSA_P256' });

/** Fetches the public CRL with no API key and saves it; returns the response and the file. */
async function fetchCrl(url: string, init: RequestInit = {}): Promise<{ res: Response; body: Buffer; path: string }> {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body, path: await tmp.file(`crl-${Math.random().toString(16).slice(2)}`, body) };
}

async function crlText(path: string, inform: 'DER' | 'PEM' = 'DER'): Promise<string> {
  const r = await tool('openssl', ['crl', '-inform', inform, '-in', path, '-noout', '-text']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** `openssl verify -crl_check` against the public CRL fetched now (as PEM, what -CRLfile reads). */
async function verifyWithFreshCrl(cert: string) {
  const { path } = await fetchCrl(`${crlUrl('production', 'intermediate')}?format=pem`);
  const leaf = await tmp.file(`leaf-${Math.random().toString(16).slice(2)}.pem`, cert);
  return tool('openssl', ['verify', '-crl_check', '-CAfile', chainPath, '-CRLfile', path, leaf]);
}

describe('public CRL endpoint', () => {
  it('serves the DER CRL without an API key; openssl parses it, checks its signature and lists the revoked serial', async () => {
    const gone = await issue('gone.example.com');
    const revoked = await h.admin.certificates.revoke(gone.id, { reason: 'keyCompromise' });
    const { res, body, path } = await fetchCrl(crlUrl('production', 'intermediate'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(body[0]).toBe(0x30);
    const text = await crlText(path);
    expect(text).toContain(`Serial Number: ${gone.id.toUpperCase()}`);
    expect(text).toContain('Key Compromise');
    expect(text).toMatch(new RegExp(`CRL Number: \\s*${revoked.crlNumber}\\n`));
    const sig = await tool('openssl', ['crl', '-inform', 'DER', '-in', path, '-noout', '-CAfile', chainPath]);
    expect(sig.stderr).toContain('verify OK');
  });

  it('serves PEM for ?format=pem and for an Accept header preferring it, identical to the authenticated CRL', async () => {
    const authed = await h.admin.certificates.crl();
    const byQuery = await fetchCrl(`${crlUrl('production', 'intermediate')}?format=pem`);
    expect(byQuery.res.headers.get('content-type')).toBe('application/x-pem-file');
    expect(byQuery.body.toString()).toBe(authed.crl);
    const byAccept = await fetchCrl(crlUrl('production', 'intermediate'), { headers: { accept: 'application/pkix-crl;q=0.2, application/x-pem-file' } });
    expect(byAccept.res.headers.get('content-type')).toBe('application/x-pem-file');
    expect(byAccept.body.toString()).toBe(authed.crl);
    await crlText(byAccept.path, 'PEM');
  });

  it('the root CRL is public too', async () => {
    const { res, path } = await fetchCrl(crlUrl('production', 'root'));
    expect(res.status).toBe(200);
    expect(await crlText(path)).toContain('Issuer: O = Lux KMS, CN = Lux KMS production Root CA');
  });

  it('unknown CA returns 404 without an API key, the same answer as an unknown environment, and generates no CA', async () => {
    const strip = async (res: Response) => {
      const { requestId: _id, message: _m, ...rest } = (await res.json()) as Record<string, unknown>;
      return rest;
    };
    const unknownCa = await fetch(crlUrl('production', 'no-such-ca'));
    const unknownEnv = await fetch(crlUrl('no-such-env', 'intermediate'));
    // A real environment whose CAs were never used: answering must not create them.
    const unusedEnv = await fetch(crlUrl('staging', 'root'));
    for (const res of [unknownCa, unknownEnv, unusedEnv]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    const bodies = await Promise.all([unknownCa, unknownEnv, unusedEnv].map(strip));
    expect(bodies).toEqual([{ statusCode: 404, code: 'crl_not_found' }, { statusCode: 404, code: 'crl_not_found' }, { statusCode: 404, code: 'crl_not_found' }]);
    const created: string[] = [];
    for await (const [key] of h.store.entries('pki/ca/')) created.push(key);
    expect(created.filter((k) => !k.startsWith('pki/ca/production/'))).toEqual([]);
  });

  it('a malformed CA name or format is 400 and names the field; a wrong API key is not even looked at', async () => {
    const badName = await fetch(`${h.url}/v1/pki/crl/production/..%2Froot.crl`);
    expect(badName.status).toBe(400);
    const badFormat = await fetch(`${crlUrl('production', 'intermediate')}?format=json`);
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as { message: string }).message).toContain('querystring.format');
    // Public means public: a bogus key neither helps nor hurts.
    const withJunkKey = await fetch(crlUrl('production', 'intermediate'), { headers: { authorization: 'Bearer lkms_0000000000000000_junk' } });
    expect(withJunkKey.status).toBe(200);
  });

  it('anonymous fetches are audited with no actor', async () => {
    const records = (await h.admin.audit.list({ limit: 1000 })).records.filter((r) => r.path.startsWith('/v1/pki/crl/'));
    expect(records.some((r) => r.actor === null && r.action === 'read' && r.resource === 'ca:intermediate' && r.result === 'allowed')).toBe(true);
    expect(records.some((r) => r.actor === null && r.result === 'rejected' && r.code === 'crl_not_found')).toBe(true);
  });

  it('the OpenAPI document lists the route as needing no API key', async () => {
    const doc = (await (await fetch(`${h.url}/docs/json`)).json()) as { paths: Record<string, { get?: { security?: unknown[] }; post?: unknown }> };
    expect(doc.paths['/v1/pki/crl/{environment}/{caId}.crl']?.get?.security).toEqual([]);
    expect(doc.paths['/v1/environments/{environment}/certificates/{id}/release-hold']?.post).toBeDefined();
  });
});

describe('CRL Distribution Points', () => {
  it('issued certificates name the public CRL, openssl shows it, and the URL serves the CRL', async () => {
    const cert = await issue('cdp.example.com');
    const text = (await tool('openssl', ['x509', '-noout', '-text'], { input: cert.certificate })).stdout;
    const url = `${base}/v1/pki/crl/production/intermediate.crl`;
    expect(text).toMatch(new RegExp(`X509v3 CRL Distribution Points:\\s*\\n\\s*Full Name:\\s*\\n\\s*URI:${url.replace(/[.]/g, '\\.')}\\n`));
    const { res, path } = await fetchCrl(url);
    expect(res.status).toBe(200);
    await crlText(path);
  });

  it('openssl verify -crl_download finds the CRL on its own: a revoked certificate fails, a good one passes', async () => {
    const good = await issue('download-good.example.com');
    const bad = await issue('download-bad.example.com');
    await h.admin.certificates.revoke(bad.id, { reason: 'superseded' });
    const run = async (cert: CreatedCertificate) =>
      tool('openssl', ['verify', '-crl_check', '-crl_download', '-CAfile', chainPath, await tmp.file(`dl-${cert.id}.pem`, cert.certificate)]);
    const ok = await run(good);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await run(bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('certificate revoked');
  });
});

describe('certificateHold', () => {
  it('a hold lists "Certificate Hold" and openssl refuses the certificate; after release the serial is gone and it verifies again', async () => {
    const cert = await issue('hold.example.com');
    expect((await verifyWithFreshCrl(cert.certificate)).code).toBe(0);

    const held = await h.admin.certificates.revoke(cert.id, { reason: 'certificateHold' });
    expect(held.status).toBe('held');
    const during = await fetchCrl(crlUrl('production', 'intermediate'));
    const heldText = await crlText(during.path);
    expect(heldText).toMatch(new RegExp(`Serial Number: ${cert.id.toUpperCase()}\\n\\s*Revocation Date: .*\\n\\s*CRL entry extensions:\\n\\s*X509v3 CRL Reason Code:\\s*\\n\\s*Certificate Hold`));
    const refused = await verifyWithFreshCrl(cert.certificate);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('certificate revoked');
    expect((await h.admin.certificates.get(cert.id)).status).toBe('held');

    const released = await h.admin.certificates.releaseHold(cert.id);
    expect(released.status).toBe('active');
    expect(released.crlNumber).toBe(held.crlNumber + 1);
    const after = await fetchCrl(crlUrl('production', 'intermediate'));
    const afterText = await crlText(after.path);
    expect(afterText).not.toContain(cert.id.toUpperCase());
    expect(afterText).toMatch(new RegExp(`CRL Number: \\s*${released.crlNumber}\\n`));
    const accepted = await verifyWithFreshCrl(cert.certificate);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/: OK\n$/);
  });

  it('revoking a held certificate with a final reason replaces the hold in the CRL', async () => {
    const cert = await issue('hold-then-revoke.example.com');
    await h.admin.certificates.revoke(cert.id, { reason: 'certificateHold' });
    const revoked = await h.admin.certificates.revoke(cert.id, { reason: 'keyCompromise' });
    expect(revoked.status).toBe('revoked');
    const text = await crlText((await fetchCrl(crlUrl('production', 'intermediate'))).path);
    const entry = text.slice(text.indexOf(`Serial Number: ${cert.id.toUpperCase()}`)).split('Serial Number:')[1]!;
    expect(entry).toContain('Key Compromise');
    expect(entry).not.toContain('Certificate Hold');
    await expect(h.admin.certificates.releaseHold(cert.id)).rejects.toMatchObject({ status: 409, code: 'not_on_hold' });
  });

  it('releasing a certificate that is not on hold is 409', async () => {
    const cert = await issue('never-held.example.com');
    await expect(h.admin.certificates.releaseHold(cert.id)).rejects.toMatchObject({ status: 409, code: 'not_on_hold' });
  });

  it('hold and release leave audit records like revoke', async () => {
    const cert = await issue('audited-hold.example.com');
    await h.admin.certificates.revoke(cert.id, { reason: 'certificateHold' });
    await h.admin.certificates.releaseHold(cert.id);
    const records = (await h.admin.audit.list({ limit: 1000 })).records.filter((r) => r.resource === `certificate:${cert.id}`);
    expect(records.map((r) => [r.action, r.result, r.method])).toEqual([
      ['revoke', 'allowed', 'POST'],
      ['release-hold', 'allowed', 'POST'],
    ]);
    expect(records.every((r) => r.actor !== null && r.environment === 'production')).toBe(true);
  });
});

it('anonymous CRL fetches are rate-limited per client IP like every other request', async () => {
  const limited = await startHarness({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
  try {
    await limited.admin.certificates.authority();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/v1/pki/crl/production/intermediate.crl`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  } finally {
    await limited.close();
  }
});
