/** The hash-chained audit log on the in-memory store: chaining, group commit, tamper detection, failure. */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type AuditEntry } from '../../../api/engines/audit/chain.js';
import { AuditLog } from '../../../api/engines/audit/service.js';
import { AuditUnavailableError } from '../../../api/server/errors.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

const entry = (i: number): AuditEntry => ({
  requestId: `req-${i}`, actor: 'abcdef0123456789', action: 'access', resource: `secret:s${i}`, environment: 'production',
  result: 'allowed', code: 'allowed', sourceIp: '127.0.0.1', method: 'GET', path: `/v1/x/${i}`,
});

async function logWith(n: number) {
  const store = new MemoryKeyValueStore();
  const log = new AuditLog(store);
  await log.init();
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(entry(i))));
  return { store, log };
}

describe('AuditLog', () => {
  it('chains concurrent appends in one order, each linked to the one before', async () => {
    const { log } = await logWith(100);
    const { records } = await log.list({ limit: 1000 });
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    expect(await log.verify()).toEqual({ valid: true, records: 100, headSeq: 100, problems: [] });
  });

  it('continues the chain after a restart', async () => {
    const { store, log } = await logWith(3);
    await log.drain();
    const reopened = new AuditLog(store);
    await reopened.init();
    expect((await reopened.append(entry(9))).seq).toBe(4);
    expect((await reopened.verify()).valid).toBe(true);
  });

  it('detects a deleted tail record through the stored head', async () => {
    const { store, log } = await logWith(5);
    await store.del('audit/rec/0000000000000005');
    const report = await log.verify();
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([{ seq: 5, problem: 'records 5..5 are missing (log ends before its head)' }]);
  });

  it('detects a record swapped in from another position', async () => {
    const { store, log } = await logWith(4);
    await store.put('audit/rec/0000000000000002', (await store.get('audit/rec/0000000000000003'))!);
    expect((await log.verify()).valid).toBe(false);
  });

  it('a failed write rejects its appends with AuditUnavailableError and leaves the chain whole', async () => {
    const store = new MemoryKeyValueStore();
    const log = new AuditLog(store);
    await log.init();
    await log.append(entry(1));
    const realBatch = store.batch.bind(store);
    store.batch = async () => {
      throw new Error('disk full');
    };
    await expect(log.append(entry(2))).rejects.toBeInstanceOf(AuditUnavailableError);
    store.batch = realBatch;
    expect((await log.append(entry(3))).seq).toBe(2);
    expect((await log.verify()).valid).toBe(true);
  });

  it('filters by actions, keyId (actor or object id) and time; rejects a malformed cursor', async () => {
    const { log } = await logWith(6);
    expect((await log.list({ keyId: 's3', limit: 10 })).records.map((r) => r.requestId)).toEqual(['req-3']);
    expect((await log.list({ keyId: 'abcdef0123456789', limit: 10 })).records).toHaveLength(6);
    expect((await log.list({ actions: ['sign'], limit: 10 })).records).toEqual([]);
    expect((await log.list({ to: '2000-01-01', limit: 10 })).records).toEqual([]);
    await expect(log.list({ cursor: 'x', limit: 1 })).rejects.toThrow('"cursor" expected a cursor returned by a previous page');
  });
});
