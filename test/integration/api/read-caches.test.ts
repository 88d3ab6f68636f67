/**
 * The read path keeps API keys, policies, secret metadata and sealed values in memory. These tests warm every
 * one of those caches with repeated reads first, then change the thing behind them through the gateway and
 * check that the very next request sees the change. Also: every read is in the audit chain, in commit order,
 * before its response arrives.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './gateway-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const WARM_READS = 5;

async function read(apiKey: string, name: string, query = ''): Promise<{ status: number; body: { value?: string; version?: number; code?: string }; requestId: string }> {
  const res = await fetch(`${h.url}/v1/environments/production/secrets/${name}${query}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: res.status, body: (await res.json()) as { value?: string; code?: string }, requestId: res.headers.get('x-request-id')! };
}

async function warm(apiKey: string, name: string, value: string): Promise<void> {
  for (let i = 0; i < WARM_READS; i++) {
    const r = await read(apiKey, name);
    expect(r.status).toBe(200);
    expect(r.body.value).toBe(value);
  }
}

async function readerKey(policy: string, resource = 'secret:*'): Promise<{ id: string; apiKey: string }> {
  await h.admin.policies.create({ name: policy, rules: [{ action: 'access', resource }] });
  const { apiKey, key } = await h.admin.apiKeys.create({ name: policy, environments: ['production'], policies: [policy] });
  return { id: key.id, apiKey };
}

it('a revoked API key is refused on the next request even after it was cached', async () => {
  await h.admin.secrets.create({ name: 'revocation', value: 'v-revocation' });
  const { id, apiKey } = await readerKey('revocation-reader');
  await warm(apiKey, 'revocation', 'v-revocation');
  await h.admin.apiKeys.revoke(id);
  const next = await read(apiKey, 'revocation');
  expect(next.status).toBe(401);
  expect(next.body.code).toBe('invalid_api_key');
});

it('a policy change applies to the next request: deleted, then re-created narrower, then wider again', async () => {
  await h.admin.secrets.create({ name: 'policy-change', value: 'v-policy' });
  const { apiKey } = await readerKey('changing-policy');
  await warm(apiKey, 'policy-change', 'v-policy');

  await h.admin.policies.delete('changing-policy');
  expect((await read(apiKey, 'policy-change')).status).toBe(403);

  await h.admin.policies.create({ name: 'changing-policy', rules: [{ action: 'access', resource: 'secret:someone-else' }] });
  const narrower = await read(apiKey, 'policy-change');
  expect(narrower.status).toBe(403);
  expect(narrower.body.code).toBe('policy_denied');

  await h.admin.policies.delete('changing-policy');
  await h.admin.policies.create({ name: 'changing-policy', rules: [{ action: 'access', resource: 'secret:policy-*' }] });
  expect((await read(apiKey, 'policy-change')).body.value).toBe('v-policy');
});

it('a secret updated is read back new, not from the cache (write, rotate, and older versions stay readable)', async () => {
  await h.admin.secrets.create({ name: 'updated', value: 'v1' });
  await warm(h.adminApiKey, 'updated', 'v1');
  await h.admin.secrets.update('updated', { value: 'v2' });
  expect((await read(h.adminApiKey, 'updated')).body).toMatchObject({ value: 'v2', version: 2 });
  await warm(h.adminApiKey, 'updated', 'v2');
  await h.admin.secrets.rotate('updated', { newValue: 'v3' });
  expect((await read(h.adminApiKey, 'updated')).body).toMatchObject({ value: 'v3', version: 3 });
  expect((await read(h.adminApiKey, 'updated', '?version=1')).body.value).toBe('v1');
});

it('a deleted secret is 404 at once, and a destroyed version is 410 at once', async () => {
  await h.admin.secrets.create({ name: 'deleted', value: 'gone-soon' });
  await warm(h.adminApiKey, 'deleted', 'gone-soon');
  await h.admin.secrets.delete('deleted');
  const after = await read(h.adminApiKey, 'deleted');
  expect(after.status).toBe(404);
  expect(after.body.code).toBe('secret_not_found');

  // Re-created under the same name: version 1 again, with the new value, not the cached old one.
  await h.admin.secrets.create({ name: 'deleted', value: 'second-life' });
  expect((await read(h.adminApiKey, 'deleted')).body).toMatchObject({ value: 'second-life', version: 1 });

  await h.admin.secrets.update('deleted', { value: 'second-life-v2' });
  await warm(h.adminApiKey, 'deleted', 'second-life-v2');
  const res = await fetch(`${h.url}/v1/environments/production/secrets/deleted/versions/2`, { method: 'DELETE', headers: { authorization: `Bearer ${h.adminApiKey}` } });
  expect(res.status).toBe(200);
  expect((await read(h.adminApiKey, 'deleted', '?version=2')).status).toBe(410);
});

it('every cached read is in the audit chain, in commit order, before its response arrives', async () => {
  await h.admin.secrets.create({ name: 'audited', value: 'v-audited' });
  const { apiKey } = await readerKey('audited-reader', 'secret:audited');
  const seqOf = async (requestId: string) => {
    for await (const [, value] of h.store.entries('audit/rec/', { reverse: true, limit: 200 })) {
      const record = JSON.parse(Buffer.from(value).toString('utf8')) as { requestId: string; seq: number; action: string; result: string };
      if (record.requestId === requestId) return record;
    }
    return undefined;
  };
  // One at a time: each response must find its record already stored, later than the one before.
  let lastSeq = 0;
  for (let i = 0; i < 4; i++) {
    const r = await read(apiKey, 'audited');
    const record = await seqOf(r.requestId);
    expect(record).toMatchObject({ action: 'access', result: 'allowed' });
    expect(record!.seq).toBeGreaterThan(lastSeq);
    lastSeq = record!.seq;
  }
  // Concurrent reads share group commits: each still gets its own record, and the chain verifies.
  const concurrent = await Promise.all(Array.from({ length: 40 }, () => read(apiKey, 'audited')));
  const seqs = await Promise.all(concurrent.map(async (r) => (await seqOf(r.requestId))?.seq));
  expect(seqs.every((s) => s !== undefined && s > lastSeq)).toBe(true);
  expect(new Set(seqs).size).toBe(40);
  const verify = await fetch(`${h.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${h.adminApiKey}` } });
  expect(((await verify.json()) as { valid: boolean }).valid).toBe(true);
});
