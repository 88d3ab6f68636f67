/**
 * Rotation webhooks end to end: a local HTTP receiver that fails the first delivery with 500 gets a retry,
 * and every delivery carries a valid HMAC signature over the raw body with a fresh timestamp.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, type WebhookDelivery } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from './gateway-harness.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let h: Harness;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const answers = [500, 200];

beforeAll(async () => {
  // The receiver listens on loopback, which gateways refuse unless told otherwise.
  h = await startHarness({ webhooks: { allowPrivateTargets: true } });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers[received.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/rotation`;
});
afterAll(async () => {
  await h.close();
  await new Promise((r) => receiver.close(r));
});

async function waitFor(id: string, status: WebhookDelivery['status']): Promise<WebhookDelivery> {
  for (let i = 0; i < 200; i++) {
    const d = await h.admin.webhooks.getDelivery(id);
    if (d.status === status) return d;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`delivery ${id} never reached ${status}`);
}

it('delivers a signed rotation event, retrying after a 500', async () => {
  await h.admin.secrets.create({ name: 'webhook-secret', value: 'first-value' });
  const rotated = await h.admin.secrets.rotate('webhook-secret', { newValue: 'second-value', notifyWebhook: receiverUrl });
  const delivery = await waitFor(rotated.webhookDelivery!.id, 'delivered');

  expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  expect(received).toHaveLength(2);
  const secret = await h.admin.webhooks.signingSecret();
  for (const r of received) {
    const ok = verifyWebhookSignature({
      secret,
      body: r.body,
      timestamp: r.headers[TIMESTAMP_HEADER] as string,
      signature: r.headers[SIGNATURE_HEADER] as string,
    });
    expect(ok).toBe(true);
    expect(r.body).not.toContain('first-value');
    expect(r.body).not.toContain('second-value');
  }
  const event = JSON.parse(received[1]!.body);
  expect(event).toMatchObject({ id: delivery.id, event: 'secret.rotated', data: { name: 'webhook-secret', environment: 'production', version: 2, previousVersion: 1 } });
});

it('a forged or replayed signature does not verify', async () => {
  const secret = await h.admin.webhooks.signingSecret();
  const r = received[1]!;
  const timestamp = r.headers[TIMESTAMP_HEADER] as string;
  const signature = r.headers[SIGNATURE_HEADER] as string;
  expect(verifyWebhookSignature({ secret, body: r.body.replace('webhook-secret', 'other-secret'), timestamp, signature })).toBe(false);
  expect(verifyWebhookSignature({ secret: 'whsec_wrong', body: r.body, timestamp, signature })).toBe(false);
  expect(verifyWebhookSignature({ secret, body: r.body, timestamp, signature, nowMs: (Number(timestamp) + 3600) * 1000 })).toBe(false);
});

it('a webhook URL that is not http(s) is refused before any version is written', async () => {
  await h.admin.secrets.create({ name: 'bad-hook', value: 'v1' });
  await expect(h.admin.secrets.rotate('bad-hook', { newValue: 'v2', notifyWebhook: 'file:///etc/passwd' })).rejects.toMatchObject({ status: 400, code: 'invalid_webhook_url' });
  expect((await h.admin.secrets.get('bad-hook')).version).toBe(1);
});

it('gives up after maxAttempts and reports failed', async () => {
  answers.length = 0;
  answers.push(...Array(10).fill(503));
  received.length = 0;
  await h.admin.secrets.create({ name: 'always-failing', value: 'v1' });
  const rotated = await h.admin.secrets.rotate('always-failing', { newValue: 'v2', notifyWebhook: receiverUrl });
  const delivery = await waitFor(rotated.webhookDelivery!.id, 'failed');
  expect(delivery.attempts).toHaveLength(4);
  expect(delivery.attempts.every((a) => a.statusCode === 503)).toBe(true);
});
