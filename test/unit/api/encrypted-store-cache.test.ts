/**
 * The sealed-blob cache of `EncryptedStore`: hits skip the store, writes and deletes through the same store
 * object replace what is cached at once, a read that overlapped a write cannot put the older blob back, and
 * the cache never grows past its bounds.
 */
import { describe, expect, it } from 'vitest';
import { Barrier, EncryptedStore, type BlobCacheLimits } from '../../../api/server/barrier.js';
import { BarrierIntegrityError } from '../../../api/server/errors.js';
import type { Seal } from '../../../node/hsm/seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

// The seal only wraps the barrier key; these tests are about the blobs encrypted under it.
const plainSeal: Seal = { kind: 'software', seal: async (p) => p, unseal: async (s) => s, close: async () => {} };

/** A memory store that counts reads and can hold the next read's answer until the test releases it. */
class GatedStore extends MemoryKeyValueStore {
  gets = 0;
  #gate: Promise<void> | undefined;
  #release: (() => void) | undefined;

  holdNextGet(): () => void {
    this.#gate = new Promise((r) => (this.#release = r));
    return this.#release!;
  }

  override async get(key: string): Promise<Uint8Array | undefined> {
    this.gets++;
    const value = await super.get(key);
    const gate = this.#gate;
    this.#gate = undefined;
    if (gate) await gate;
    return value;
  }
}

async function open(limits?: BlobCacheLimits): Promise<{ raw: GatedStore; store: EncryptedStore }> {
  const raw = new GatedStore();
  const { barrier } = await Barrier.open(raw, plainSeal);
  return { raw, store: new EncryptedStore(raw, barrier, limits) };
}

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));

describe('EncryptedStore blob cache', () => {
  it('serves repeated reads without asking the store again, still decrypting each time', async () => {
    const { raw, store } = await open();
    await store.putJson('smeta/production/a', { v: 1 });
    const before = raw.gets;
    for (let i = 0; i < 5; i++) expect(await store.getJson('smeta/production/a')).toEqual({ v: 1 });
    expect(raw.gets - before).toBe(1);
  });

  it('a value written through the store is read back new, not from the cache', async () => {
    const { store } = await open();
    await store.batch([store.putOp('sval/production/a/1', Buffer.from('old'))]);
    expect(text(await store.getBytes('sval/production/a/1'))).toBe('old');
    await store.batch([store.putOp('sval/production/a/1', Buffer.from('new'))]);
    expect(text(await store.getBytes('sval/production/a/1'))).toBe('new');
    await store.putJson('smeta/production/a', { v: 1 });
    expect(await store.getJson('smeta/production/a')).toEqual({ v: 1 });
    await store.putJson('smeta/production/a', { v: 2 });
    expect(await store.getJson('smeta/production/a')).toEqual({ v: 2 });
  });

  it('a value deleted through the store is gone at once, by del and by a batch delete', async () => {
    const { store } = await open();
    await store.putJson('x/1', 1);
    await store.putJson('x/2', 2);
    expect(await store.getJson('x/1')).toBe(1);
    expect(await store.getJson('x/2')).toBe(2);
    await store.del('x/1');
    await store.batch([{ type: 'del', key: 'x/2' }]);
    expect(await store.getJson('x/1')).toBeUndefined();
    expect(await store.getJson('x/2')).toBeUndefined();
  });

  it('a read that overlapped a write does not put the older value back in the cache', async () => {
    const { raw, store } = await open();
    await store.putJson('race/a', 'old');
    const release = raw.holdNextGet();
    const slowRead = store.getJson('race/a'); // has read "old" and waits
    await store.putJson('race/a', 'new');
    release();
    expect(await slowRead).toBe('old'); // it began before the write settled
    expect(await store.getJson('race/a')).toBe('new');
  });

  it('a failed batch still forgets the paths it named (it may have been applied before failing)', async () => {
    const { raw, store } = await open();
    await store.putJson('fail/a', 'cached');
    expect(await store.getJson('fail/a')).toBe('cached');
    // Written by another store object, which the first cannot know about: its cache is now stale.
    const other = new EncryptedStore(raw, (await Barrier.open(raw, plainSeal)).barrier);
    await other.putJson('fail/a', 'elsewhere');
    expect(await store.getJson('fail/a')).toBe('cached');
    await expect(store.batch([store.putJsonOp('fail/a', 'x'), { type: 'put', key: '', value: new Uint8Array(1) }])).rejects.toThrow();
    expect(await store.getJson('fail/a')).toBe('elsewhere');
  });

  it('a cached blob is still authenticated on every hit: it only opens at its own path', async () => {
    const { raw, store } = await open();
    await store.putJson('auth/a', 'a');
    expect(await store.getJson('auth/a')).toBe('a');
    await raw.put('auth/b', (await raw.get('auth/a'))!);
    await expect(store.getJson('auth/b')).rejects.toThrow(BarrierIntegrityError);
    await expect(store.getJson('auth/b')).rejects.toThrow(BarrierIntegrityError);
  });

  it('stays within its entry and byte bounds, dropping the least recently used first', async () => {
    const { raw, store } = await open({ entries: 3, bytes: 1 << 20 });
    for (const k of ['k/1', 'k/2', 'k/3', 'k/4']) await store.putJson(k, k);
    for (const k of ['k/1', 'k/2', 'k/3']) await store.getJson(k);
    await store.getJson('k/1'); // k/1 is now the most recent; k/2 the least
    await store.getJson('k/4');
    expect(store.cachedBlobs).toBe(3);
    const before = raw.gets;
    await store.getJson('k/1');
    await store.getJson('k/3');
    expect(raw.gets - before).toBe(0);
    await store.getJson('k/2');
    expect(raw.gets - before).toBe(1);

    const small = await open({ entries: 1000, bytes: 800 });
    for (let i = 0; i < 50; i++) {
      await small.store.putJson(`b/${i}`, 'x'.repeat(60));
      await small.store.getJson(`b/${i}`);
    }
    // Each sealed blob is 62 bytes of JSON plus 29 of framing: at most 8 fit in 800 bytes.
    expect(small.store.cachedBlobs).toBeLessThanOrEqual(8);
    expect(small.store.cachedBlobs).toBeGreaterThan(0);
  });

  it('refuses cache bounds that are not positive integers', async () => {
    const { raw } = await open();
    const { barrier } = await Barrier.open(raw, plainSeal);
    expect(() => new EncryptedStore(raw, barrier, { entries: 0, bytes: 1024 })).toThrow('"cacheLimits.entries" expected integer >= 1, got 0');
    expect(() => new EncryptedStore(raw, barrier, { entries: 10, bytes: 1.5 })).toThrow(TypeError);
  });
});
