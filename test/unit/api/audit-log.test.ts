/** The hash-chained audit log on the in-memory store: chaining, group commit, tamper detection, failure. */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashRecord, type AuditEntry, type AuditRecord } from '../../../api/engines/audit/chain.js';
import { AuditIntegrityError, AuditLog } from '../../../api/engines/audit/service.js';
import { AuditUnavailableError } from '../../../api/server/errors.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

const entry = (i: number): AuditEntry => ({
  requestId: `req-${i}`, actor: 'abcdef0123456789', action: 'access', resource: `secret:s${i}`, environment: 'production',
  result: 'allowed', code: 'allowed', sourceIp: '127.0.0.1', method: 'GET', path: `/v1/x/${i}`,
});

const ANCHOR = new Uint8Array(32).fill(7);

async function logWith(n: number) {
  const store = new MemoryKeyValueStore();
  const log = new AuditLog(store, ANCHOR);
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
    const reopened = new AuditLog(store, ANCHOR);
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
    const log = new AuditLog(store, ANCHOR);
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

  it('a log rewritten whole without the key (every hash and the head recomputed) is named by verify and refused at start', async () => {
    const { store, log } = await logWith(3);
    await log.drain();
    // The forger drops record 2's evidence: rewrites it, re-chains 3, and writes a head that matches the new chain.
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const key = `audit/rec/${String(seq).padStart(16, '0')}`;
      const r = JSON.parse(new TextDecoder().decode((await store.get(key))!)) as AuditRecord;
      const { hash: _old, ...unsigned } = { ...r, prevHash, ...(seq === 2 ? { result: 'denied' as const, code: 'explicit_deny' } : {}) };
      void _old;
      const hash = hashRecord(unsigned);
      await store.put(key, enc({ ...unsigned, hash }));
      prevHash = hash;
    }
    await store.put('audit/head', enc({ seq: 3, hash: prevHash }));
    const report = await log.verify();
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([{ seq: 3, problem: 'the stored head carries no authentication (the log was rewritten or its head replaced)' }]);
    await expect(new AuditLog(store, ANCHOR).init()).rejects.toBeInstanceOf(AuditIntegrityError);
  });

  it('a head authenticated by another gateway\'s key is refused', async () => {
    const { store, log } = await logWith(2);
    await log.drain();
    await expect(new AuditLog(store, new Uint8Array(32).fill(8)).init()).rejects.toThrow("the stored head is not authenticated by this gateway's key");
  });

  it('records left without their head (the head deleted to hide a truncation) are refused at start', async () => {
    const { store, log } = await logWith(2);
    await log.drain();
    await store.del('audit/head');
    await expect(new AuditLog(store, ANCHOR).init()).rejects.toThrow('records exist (audit/rec/0000000000000001) but the head is gone');
  });
});
