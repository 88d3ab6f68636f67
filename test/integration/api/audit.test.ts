/**
 * The audit log over a real gateway: one record per request (allowed, denied, malformed, unknown route),
 * no secret values in it, tampering found by verify, and an unwritable audit store failing operations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../api/sdk/index.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { startHarness, type Harness } from './gateway-harness.js';

async function allRecords(h: Harness): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.admin.audit.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('audit log', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('records every request exactly once, whatever its outcome, and never a secret value', async () => {
    const admin = { authorization: `Bearer ${h.adminApiKey}`, 'content-type': 'application/json' };
    const limited = await h.admin.apiKeys.create({ name: 'dev-only', environments: ['development'], policies: ['root'] });
    const requests: [string, RequestInit, number][] = [
      ['/v1/environments/production/secrets', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'audited', value: 'AUDIT-CANARY-VALUE' }) }, 201],
      ['/v1/environments/production/secrets/audited', { headers: admin }, 200],
      ['/v1/environments/production/secrets/audited', { headers: { authorization: `Bearer ${limited.apiKey}` } }, 403],
      ['/v1/environments/production/secrets/audited', {}, 401],
      ['/v1/environments/production/secrets', { method: 'POST', headers: admin, body: '{"name":' }, 400],
      ['/v1/environments/production/secrets/audited/rotate', { method: 'POST', headers: admin, body: JSON.stringify({ newValue: 'AUDIT-CANARY-2' }) }, 200],
      ['/v1/no-such-route', { headers: admin }, 404],
      ['/v1/health', {}, 200],
    ];
    const ids: string[] = [];
    for (const [path, init, status] of requests) {
      const res = await fetch(h.url + path, init);
      expect(res.status, path).toBe(status);
      ids.push(res.headers.get('x-request-id')!);
      await res.arrayBuffer();
    }
    const records = await allRecords(h);
    const byId = new Map<string, AuditRecord[]>();
    for (const r of records) byId.set(r.requestId, [...(byId.get(r.requestId) ?? []), r]);
    for (const id of ids) expect(byId.get(id), id).toHaveLength(1);
    // Every record has its own request (the listing calls themselves are audited too).
    expect(new Set(records.map((r) => r.requestId)).size).toBe(records.length);

    const mine = ids.map((id) => byId.get(id)![0]!);
    expect(mine.map((r) => r.result)).toEqual(['allowed', 'allowed', 'denied', 'denied', 'rejected', 'allowed', 'rejected', 'allowed']);
    expect(mine[2]).toMatchObject({ actor: limited.key.id, action: 'access', resource: 'secret:audited', environment: 'production', code: 'environment_forbidden', sourceIp: '127.0.0.1' });
    expect(mine[3]).toMatchObject({ actor: null, code: 'missing_api_key' });
    expect(JSON.stringify(records)).not.toContain('AUDIT-CANARY');
    expect(JSON.stringify(records)).not.toContain(h.adminApiKey);
  });

  it('filters by keyId, actions and time, and pages', async () => {
    const { apiKey, key } = await h.admin.apiKeys.create({ name: 'filtered', environments: ['staging'], policies: ['root'] });
    const c = h.client(apiKey, 'staging');
    for (let i = 0; i < 5; i++) await c.secrets.create({ name: `f-${i}`, value: 'x' });
    await c.secrets.get('f-0');
    const creates = await h.admin.audit.list({ keyId: key.id, actions: ['create'], limit: 2 });
    expect(creates.records).toHaveLength(2);
    expect(creates.nextCursor).toBeDefined();
    const rest = await h.admin.audit.list({ keyId: key.id, actions: ['create'], limit: 10, cursor: creates.nextCursor! });
    expect(rest.records).toHaveLength(3);
    expect(rest.nextCursor).toBeUndefined();
    expect(new Set([...creates.records, ...rest.records].map((r) => r.resource)).size).toBe(5);
    // keyId also matches the object acted on: the admin's creation of this key.
    const about = await h.admin.audit.list({ keyId: key.id, actions: ['create', 'access'] });
    expect(about.records.map((r) => r.action)).toEqual(['create', 'create', 'create', 'create', 'create', 'access']);
    expect((await h.admin.audit.list({ keyId: key.id, from: new Date(Date.now() + 60_000) })).records).toEqual([]);
    await expect(h.admin.audit.list({ from: 'yesterday-ish' })).rejects.toMatchObject({ status: 400 });
  });

  it('verify passes on an untouched log', async () => {
    const report = await h.admin.audit.verify();
    expect(report.valid).toBe(true);
    expect(report.records).toBe(report.headSeq);
  });

  it('verify detects an edited record', async () => {
    const key = 'audit/rec/0000000000000003';
    const original = (await h.store.get(key))!;
    const edited = JSON.parse(Buffer.from(original).toString());
    edited.result = edited.result === 'allowed' ? 'denied' : 'allowed';
    await h.store.put(key, Buffer.from(JSON.stringify(edited)));
    const report = await h.admin.audit.verify();
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual({ seq: 3, problem: 'record hash does not match its contents (edited)' });
    await h.store.put(key, original);
    expect((await h.admin.audit.verify()).valid).toBe(true);
  });

  it('verify detects a record deleted from the middle, and one deleted from the end', async () => {
    const middle = 'audit/rec/0000000000000005';
    const original = (await h.store.get(middle))!;
    await h.store.del(middle);
    let report = await h.admin.audit.verify();
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.problem)).toContain('records 5..5 are missing');
    await h.store.put(middle, original);

    // The newest record. The verify request is itself recorded after it, so over HTTP the hole is in the middle
    // again; a tail deletion with nothing after it is caught by the head check (unit tests).
    let last = '';
    for await (const [k] of h.store.entries('audit/rec/', { reverse: true, limit: 1 })) last = k;
    await h.store.del(last);
    const seq = Number(last.slice('audit/rec/'.length));
    report = await h.admin.audit.verify();
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.problem)).toContain(`records ${seq}..${seq} are missing`);
  });
});

describe('an unwritable audit store', () => {
  it('makes operations fail with 503 and leaves no trace of them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'luxkms-audit-'));
    const auditStore = await openLevelStore(dir);
    const h = await startHarness({ auditStore });
    try {
      await h.admin.secrets.create({ name: 'before', value: 'v' });
      await auditStore.close();

      const write = await h.admin.secrets.create({ name: 'after', value: 'must-not-exist' }).catch((e) => e);
      expect(write.status).toBe(503);
      expect(write.code).toBe('audit_unavailable');
      const read = await h.admin.secrets.get('before').catch((e) => e);
      expect(read.status).toBe(503);
      // Refused denials are not silently let through either.
      const res = await fetch(`${h.url}/v1/environments/production/secrets/before`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ statusCode: 503, code: 'audit_unavailable' });

      expect(await h.store.get('smeta/production/after')).toBeUndefined();
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
