/**
 * Auto-renewal end to end: with a short validity and `renewBefore`, the gateway renews on its own (no
 * request), fires a signed `certificate.renewed` webhook carrying the new certificate, records the
 * lineage, and the new certificate verifies with openssl; a renewal that fell due while the gateway was
 * stopped runs when it starts again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LuxKMS, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../../api/sdk/index.js';
import { startGateway, type RunningGateway } from '../../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { openLevelStore, type LevelKeyValueStore } from '../../../node/store/level-store.js';
import { scratch, tool, type Scratch } from './tools.js';

interface Event {
  body: string;
  signature: string;
  timestamp: string;
  data: { certId: string; previousCertId: string; commonName: string; sans: string[]; certificate: string; chain: string[]; notAfter: string };
}

let receiver: Server;
let hookUrl: string;
const events: Event[] = [];
let tmp: Scratch;

beforeAll(async () => {
  tmp = await scratch('luxkms-renew-');
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      events.push({ body, signature: String(req.headers[SIGNATURE_HEADER]), timestamp: String(req.headers[TIMESTAMP_HEADER]), data: JSON.parse(body).data });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/certs`;
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  await tmp.remove();
});

/**
 * A gateway whose data outlives it: stop it, and start another over the same directory and passphrase.
 * The webhook receiver listens on loopback, which gateways refuse unless told otherwise.
 */
async function gatewayOn(dataDir: string, salt: Uint8Array) {
  const store: LevelKeyValueStore = await openLevelStore(join(dataDir, 'gateway'));
  const seal = await createSoftwareSeal({ passphrase: 'renewal-test-passphrase', salt });
  const gateway: RunningGateway = await startGateway({ store, seal, logger: false, rateLimit: false, webhooks: { baseDelayMs: 50, maxAttempts: 3, timeoutMs: 2000, allowPrivateTargets: true } });
  return {
    gateway,
    stop: async () => {
      await gateway.close();
      await store.close();
      await seal.close();
    },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function opensslVerifies(kms: LuxKMS, certificate: string): Promise<boolean> {
  const { root, intermediate } = await kms.certificates.authority();
  const id = Math.random().toString(16).slice(2);
  const res = await tool('openssl', ['verify', '-CAfile', await tmp.file(`root-${id}.pem`, root.certificate), '-untrusted', await tmp.file(`int-${id}.pem`, intermediate.certificate), await tmp.file(`leaf-${id}.pem`, certificate)]);
  return res.code === 0 && res.stdout.endsWith(': OK\n');
}

it('renews without a request, fires the webhook with the new certificate, and the new one verifies', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'luxkms-renew-gw-'));
  const node = await gatewayOn(dataDir, generateSalt());
  try {
    const kms = new LuxKMS({ apiKey: node.gateway.adminApiKey!, environment: 'production', baseUrl: node.gateway.url, maxRetries: 0 });
    const cert = await kms.certificates.create({ commonName: 'api.yourbank.com', sans: ['api.yourbank.com', '*.yourbank.com'], validity: '6s', keyType: 'ECDSA_P256' });
    const enabled = await kms.certificates.enableAutoRenewal({ certId: cert.id, renewBefore: '4s', notifyWebhook: hookUrl });
    expect(Date.parse(enabled.nextRenewalAt)).toBe(Date.parse(cert.notAfter) - 4000);

    const event = await waitFor('the renewal webhook', () => events.find((e) => e.data.previousCertId === cert.id));
    const secret = await kms.webhooks.signingSecret();
    expect(verifyWebhookSignature({ secret, body: event.body, timestamp: event.timestamp, signature: event.signature })).toBe(true);
    expect(event.body).not.toContain('PRIVATE KEY');

    const renewed = await kms.certificates.get(event.data.certId);
    expect(renewed.certificate).toBe(event.data.certificate);
    expect(renewed).toMatchObject({ commonName: 'api.yourbank.com', sans: ['api.yourbank.com', '*.yourbank.com'], renewedFrom: cert.id, source: 'renewal', status: 'active', autoRenewal: { renewBefore: '4s' } });
    expect(Date.parse(renewed.notAfter)).toBeGreaterThan(Date.parse(cert.notAfter));
    expect((await kms.certificates.get(cert.id)).renewedBy).toBe(renewed.id);
    expect(await opensslVerifies(kms, renewed.certificate)).toBe(true);

    // Same public key: the holder's private key, returned once at creation, still fits the new certificate.
    const keyPub = await tool('openssl', ['pkey', '-pubout'], { input: cert.privateKey });
    expect((await tool('openssl', ['x509', '-noout', '-pubkey'], { input: renewed.certificate })).stdout).toBe(keyPub.stdout);

    const audit = (await kms.audit.list({ actions: ['renew'], limit: 100 })).records;
    expect(audit.some((r) => r.resource === `certificate:${cert.id}` && r.actor === null && r.method === 'SCHEDULE' && r.result === 'allowed')).toBe(true);
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('a renewal that fell due while the gateway was stopped runs when it starts again', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'luxkms-renew-gw-'));
  const salt = generateSalt();
  let first = await gatewayOn(dataDir, salt);
  const apiKey = first.gateway.adminApiKey!;
  const client = (url: string) => new LuxKMS({ apiKey, environment: 'production', baseUrl: url, maxRetries: 0 });
  try {
    const cert = await client(first.gateway.url).certificates.create({ commonName: 'restart.yourbank.com', validity: '20s', keyType: 'ED25519' });
    const enabled = await client(first.gateway.url).certificates.enableAutoRenewal({ certId: cert.id, renewBefore: '18s', notifyWebhook: hookUrl });
    await first.stop();
    // Stay down past the due time, so nothing but the restart can trigger the renewal.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(enabled.nextRenewalAt) - Date.now()) + 500));
    expect(events.some((e) => e.data.previousCertId === cert.id)).toBe(false);

    first = await gatewayOn(dataDir, salt);
    expect(first.gateway.adminApiKey).toBeUndefined();
    const event = await waitFor('the renewal webhook after restart', () => events.find((e) => e.data.previousCertId === cert.id));
    const kms = client(first.gateway.url);
    expect((await kms.certificates.get(cert.id)).renewedBy).toBe(event.data.certId);
    expect(await opensslVerifies(kms, event.data.certificate)).toBe(true);
  } finally {
    await first.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('refuses a renewBefore as long as the certificate\'s lifetime, and revoking stops renewal', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'luxkms-renew-gw-'));
  const node = await gatewayOn(dataDir, generateSalt());
  try {
    const kms = new LuxKMS({ apiKey: node.gateway.adminApiKey!, environment: 'production', baseUrl: node.gateway.url, maxRetries: 0 });
    const cert = await kms.certificates.create({ commonName: 'short.yourbank.com', validity: '1h', keyType: 'ED25519' });
    await expect(kms.certificates.enableAutoRenewal({ certId: cert.id, renewBefore: '2h' })).rejects.toMatchObject({ status: 400, code: 'renew_before_too_long' });
    await expect(kms.certificates.enableAutoRenewal({ certId: cert.id, renewBefore: 'soon' })).rejects.toMatchObject({ status: 400, code: 'invalid_duration' });
    await expect(kms.certificates.enableAutoRenewal({ certId: 'abcdef', renewBefore: '1m' })).rejects.toMatchObject({ status: 404, code: 'certificate_not_found' });

    const soon = await kms.certificates.create({ commonName: 'revoked.yourbank.com', validity: '3s', keyType: 'ED25519' });
    await kms.certificates.enableAutoRenewal({ certId: soon.id, renewBefore: '1s', notifyWebhook: hookUrl });
    const revoked = await kms.certificates.revoke(soon.id, { reason: 'cessationOfOperation' });
    expect(revoked.autoRenewal).toBeUndefined();
    await new Promise((r) => setTimeout(r, Date.parse(soon.notAfter) - Date.now() + 200));
    expect(events.some((e) => e.data.previousCertId === soon.id)).toBe(false);
    expect((await kms.certificates.get(soon.id)).renewedBy).toBeUndefined();
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
