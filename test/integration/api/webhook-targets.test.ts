/**
 * Webhook targets on a real gateway with the default policy: internal addresses are refused with 400
 * `webhook_target_refused` when a webhook URL is registered (secret rotation, key rotation, certificate
 * renewal), before anything is written; and a target stored while private targets were allowed is refused
 * at send time once the gateway runs without that setting: the delivery fails at once, nothing reaches
 * the receiver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuxKMS, type WebhookDelivery } from '../../../api/sdk/index.js';
import { createGateway, startGateway, type StartOptions } from '../../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';
import { startHarness, type Harness } from './gateway-harness.js';

let receiver: Server;
let receiverPort: number;
let hits = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => receiver.close(r)));

describe('registration, default policy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  const INTERNAL = [
    ['webhook to cloud metadata address is refused', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', /cloud metadata/],
    ['webhook to loopback is refused', () => `http://127.0.0.1:${receiverPort}/hook`, /loopback/],
    ['webhook to a decimal-encoded loopback host is refused', 'http://2130706433/', /loopback/],
    ['webhook to localhost is refused', () => `http://localhost:${receiverPort}/`, /this machine/],
    ['webhook to IPv4-mapped IPv6 loopback is refused', 'http://[::ffff:127.0.0.1]/', /loopback/],
    ['webhook to IPv6 loopback is refused', 'http://[::1]:8080/', /loopback/],
    ['webhook to a private network is refused', 'https://10.0.0.8/hooks', /private/],
    ['webhook to IPv6 unique-local is refused', 'http://[fd00::5]/', /unique local/],
  ] as const;

  for (const [name, target, reason] of INTERNAL) {
    it(`${name} (secret rotation), before a version is written`, async () => {
      const secret = `hook-${Math.random().toString(36).slice(2, 10)}`;
      await h.admin.secrets.create({ name: secret, value: 'v1' });
      const url = typeof target === 'function' ? target() : target;
      const refused = await h.admin.secrets.rotate(secret, { newValue: 'v2', notifyWebhook: url }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 400, code: 'webhook_target_refused', message: expect.stringMatching(reason) });
      expect((await h.admin.secrets.get(secret)).version).toBe(1);
    });
  }

  it('webhook to cloud metadata address is refused for key rotation and certificate renewal too', async () => {
    const key = await h.admin.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    await expect(h.admin.keys.configureRotation({ keyId: key.id, interval: '90d', notifyWebhook: 'http://169.254.169.254/' })).rejects.toMatchObject({ status: 400, code: 'webhook_target_refused' });
    expect((await h.admin.keys.get(key.id)).rotation).toBeUndefined();
    const cert = await h.admin.certificates.create({ commonName: 'svc.example.com', validity: '30d', keyType: 'ED25519' });
    await expect(h.admin.certificates.enableAutoRenewal({ certId: cert.id, renewBefore: '1d', notifyWebhook: 'http://[::ffff:a9fe:a9fe]/' })).rejects.toMatchObject({ status: 400, code: 'webhook_target_refused' });
  });

  it('a public target is still accepted', async () => {
    await h.admin.secrets.create({ name: 'public-hook', value: 'v1' });
    const rotated = await h.admin.secrets.rotate('public-hook', { newValue: 'v2', notifyWebhook: 'https://hooks.example.com/rotation' });
    expect(rotated.webhookDelivery?.status).toBe('pending');
  });
});

it('a stored private target is refused at send time once private targets are no longer allowed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-hook-'));
  const salt = generateSalt();
  const open = async (webhooks: StartOptions['webhooks']) =>
    startGateway({ dataDir: dir, seal: await createSoftwareSeal({ passphrase: 'webhook-target-passphrase', salt }), logger: false, rateLimit: false, webhooks });
  try {
    const first = await open({ allowPrivateTargets: true, baseDelayMs: 30, maxAttempts: 4 });
    const apiKey = first.adminApiKey!;
    const kmsOn = (url: string) => new LuxKMS({ apiKey, environment: 'production', baseUrl: url, maxRetries: 0 });
    const key = await kmsOn(first.url).keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    await kmsOn(first.url).keys.configureRotation({ keyId: key.id, interval: '90d', notifyWebhook: `http://127.0.0.1:${receiverPort}/rotation` });
    await first.close();

    const second = await open({ baseDelayMs: 30, maxAttempts: 4 });
    try {
      const kms = kmsOn(second.url);
      const rotated = await kms.keys.rotate(key.id);
      let delivery: WebhookDelivery | undefined;
      for (let i = 0; i < 200 && delivery?.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        delivery = await kms.webhooks.getDelivery(rotated.webhookDelivery!.id);
      }
      expect(delivery?.status).toBe('failed');
      // Refused once, without the retries a network error would get.
      expect(delivery?.attempts).toHaveLength(1);
      expect(delivery?.attempts[0]?.error).toMatch(/127\.0\.0\.1 is loopback.*allowPrivateTargets/);
      expect(hits).toBe(0);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('refuses to start with a malformed webhooks option', async () => {
  const seal = await createSoftwareSeal({ passphrase: 'webhook-target-passphrase', salt: generateSalt() });
  try {
    // Untyped configuration (a JSON file, JavaScript callers) is where a string "true" comes from.
    const webhooks = JSON.parse('{"allowPrivateTargets":"true"}') as StartOptions['webhooks'];
    await expect(createGateway({ store: new MemoryKeyValueStore(), seal, logger: false, webhooks })).rejects.toThrow(new TypeError('"webhooks.allowPrivateTargets" expected boolean, got "true"'));
  } finally {
    await seal.close();
  }
});
