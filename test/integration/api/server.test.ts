/**
 * Server behaviour on a real port: restart keeps state and never shows the admin key again, OpenAPI at
 * /docs, request ids, rate limiting per API key (429), the body size limit, graceful shutdown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startGateway } from '../../../api/server/gateway.js';
import { LuxKMS, RateLimitError } from '../../../api/sdk/index.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { startHarness } from './gateway-harness.js';

it('keeps its state across a restart and returns the admin key only on the first start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-restart-'));
  const salt = generateSalt();
  const open = async () => startGateway({ dataDir: dir, seal: await createSoftwareSeal({ passphrase: 'restart-passphrase', salt }), logger: false });
  try {
    const first = await open();
    expect(first.adminApiKey).toMatch(/^lkms_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    await new LuxKMS({ apiKey: first.adminApiKey, baseUrl: first.url, environment: 'production' }).secrets.create({ name: 'kept', value: 'still-here' });
    await first.close();

    const second = await open();
    expect(second.adminApiKey).toBeUndefined();
    const kms = new LuxKMS({ apiKey: first.adminApiKey, baseUrl: second.url, environment: 'production' });
    expect((await kms.secrets.get('kept')).value).toBe('still-here');
    expect((await kms.audit.verify()).valid).toBe(true);
    await second.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('serves OpenAPI at /docs with a schema for every route, and a request id on every response', async () => {
  const h = await startHarness();
  try {
    const res = await fetch(`${h.url}/docs/json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const spec = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(spec.openapi).toMatch(/^3\./);
    const ops = Object.values(spec.paths).flatMap((p) => Object.values(p));
    // Every engine documents its routes: the core ones and each engine mounted beside them.
    const paths = Object.keys(spec.paths);
    for (const prefix of ['/v1/environments/{environment}/secrets', '/v1/audit', '/v1/policies', '/v1/api-keys']) {
      expect(paths.some((p) => p.startsWith(prefix)), `no documented route under ${prefix}`).toBe(true);
    }
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const op of ops) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['4XX', '5XX']));
    expect((await fetch(`${h.url}/docs`)).status).toBeLessThan(400);
  } finally {
    await h.close();
  }
});

it('rate-limits per API key with 429 in the error format; another key is unaffected', async () => {
  const h = await startHarness({ rateLimit: { max: 5, timeWindowMs: 60_000 } });
  try {
    const other = await h.admin.apiKeys.create({ name: 'other', environments: ['production'], policies: ['root'] });
    const busy = await h.admin.apiKeys.create({ name: 'busy', environments: ['production'], policies: ['root'] });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${h.url}/v1/environments/production/secrets`, { headers: { authorization: `Bearer ${busy.apiKey}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(await res.json()).toMatchObject({ statusCode: 429, code: 'rate_limited', requestId: res.headers.get('x-request-id') });
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    await expect(h.client(busy.apiKey).secrets.list()).rejects.toBeInstanceOf(RateLimitError);
    expect((await h.client(other.apiKey).secrets.list()).secrets).toEqual([]);
  } finally {
    await h.close();
  }
});

it('refuses a body over the limit with 413 and writes nothing', async () => {
  const h = await startHarness({ bodyLimit: 4096 });
  try {
    const res = await fetch(`${h.url}/v1/environments/production/secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big', value: 'x'.repeat(8192) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ statusCode: 413, code: 'body_too_large' });
    expect(await h.store.get('smeta/production/big')).toBeUndefined();
  } finally {
    await h.close();
  }
});

it('shuts down gracefully: answered writes are stored and audited, later requests are refused', async () => {
  const h = await startHarness();
  let ok = 0;
  let n = 0;
  const worker = async () => {
    for (;;) {
      try {
        await h.admin.secrets.create({ name: `shutdown-${n++}`, value: 'v' });
        ok++;
      } catch (e) {
        return e as { status: number };
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  while (ok < 30) await new Promise((r) => setTimeout(r, 2));
  await h.gateway.close();
  const endings = await Promise.all(workers);
  // Refused, not failed: a 503 while closing, or no connection at all afterwards.
  for (const e of endings) expect([0, 503]).toContain(e.status);
  await expect(h.admin.secrets.list()).rejects.toMatchObject({ status: 0 });

  let created = 0;
  for await (const _ of h.store.entries('smeta/production/shutdown-')) created++;
  expect(created).toBe(ok);
  let audited = 0;
  for await (const [, v] of h.store.entries('audit/rec/')) {
    const r = JSON.parse(Buffer.from(v).toString());
    if (r.resource.startsWith('secret:shutdown-') && r.result === 'allowed') audited++;
  }
  expect(audited).toBeGreaterThanOrEqual(ok);
  await h.close();
});
