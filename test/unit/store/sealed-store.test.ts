import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealError } from '../../../node/hsm/seal-error.js';
import { createSoftwareSeal, generateSalt, type SoftwareSeal } from '../../../node/hsm/software-seal.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';
import { openSealedRecordStore, recordAssociatedData, SealedRecordStore } from '../../../node/store/sealed-store.js';
import { InvalidInputError, MalformedError } from '../../../protocols/errors.js';
import { anyFileContains, readAllFiles } from '../../helpers/disk.js';

const text = (s: string) => new TextEncoder().encode(s);

async function allEntries(iterable: AsyncIterable<[string, Uint8Array]>): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

let salt: Uint8Array;
let seal: SoftwareSeal;
beforeAll(async () => {
  salt = generateSalt();
  seal = await createSoftwareSeal({ passphrase: 'node passphrase 1', salt });
});
afterAll(async () => {
  await seal.close();
});

async function freshStore(): Promise<{ kv: MemoryKeyValueStore; store: SealedRecordStore }> {
  const kv = new MemoryKeyValueStore();
  return { kv, store: await openSealedRecordStore(kv, seal) };
}

describe('SealedRecordStore', () => {
  it('round-trips a record per generation and lists generations in numeric order', async () => {
    const { store } = await freshStore();
    await store.putSealed('share/treasury', 2, text('gen two'));
    await store.putSealed('share/treasury', 10, text('gen ten'));
    await store.putSealed('share/treasury-2', 1, text('other key'));
    expect(await store.getSealed('share/treasury', 2)).toEqual(text('gen two'));
    expect(await store.getSealed('share/treasury', 10)).toEqual(text('gen ten'));
    expect(await store.getSealed('share/treasury', 3)).toBeUndefined();
    expect(await store.generations('share/treasury')).toEqual([2, 10]);
    await store.deleteSealed('share/treasury', 2);
    expect(await store.generations('share/treasury')).toEqual([10]);
  });

  it('binds each blob to its record with the documented additional data', () => {
    expect(new TextDecoder().decode(recordAssociatedData('share/k1', 7))).toBe('lux-kms/v1|share/k1|7');
  });

  it('stores a format version byte followed by the sealed blob, and no plaintext', async () => {
    const { kv, store } = await freshStore();
    const secret = text('x'.repeat(40));
    await store.putSealed('share/k1', 1, secret);
    const [[key, value]] = await allEntries(kv.entries('sealed/'));
    expect(key).toBe('sealed/share/k1#0000000000000001');
    expect(value[0]).toBe(1);
    expect(value.length).toBe(1 + 1 + 12 + secret.length + 16);
    expect(Buffer.from(value).includes(Buffer.from(secret))).toBe(false);
  });

  it('refuses a record copied to another record id (blob swap attack)', async () => {
    const { kv, store } = await freshStore();
    await store.putSealed('share/alice', 1, text('alice share'));
    await kv.put('sealed/share/bob#0000000000000001', (await kv.get('sealed/share/alice#0000000000000001'))!);
    const error = await store.getSealed('share/bob', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealError);
    expect((error as SealError).code).toBe('unseal_failed');
    expect((error as Error).message).toContain('sealed record "share/bob" generation 1 failed to open');
  });

  it('refuses a record replayed as another generation (rollback attack)', async () => {
    const { kv, store } = await freshStore();
    await store.putSealed('share/k1', 1, text('old share'));
    await store.putSealed('share/k1', 2, text('new share'));
    await kv.put('sealed/share/k1#0000000000000002', (await kv.get('sealed/share/k1#0000000000000001'))!);
    await expect(store.getSealed('share/k1', 2)).rejects.toMatchObject({ name: 'SealError', code: 'unseal_failed' });
  });

  it('refuses a tampered value and reports an unknown format version as malformed', async () => {
    const { kv, store } = await freshStore();
    await store.putSealed('share/k1', 1, text('share'));
    const key = 'sealed/share/k1#0000000000000001';
    const stored = (await kv.get(key))!;
    const tampered = stored.slice();
    tampered[tampered.length - 20]! ^= 0x80;
    await kv.put(key, tampered);
    await expect(store.getSealed('share/k1', 1)).rejects.toMatchObject({ code: 'unseal_failed' });
    const otherFormat = stored.slice();
    otherFormat[0] = 9;
    await kv.put(key, otherFormat);
    await expect(store.getSealed('share/k1', 1)).rejects.toThrow(MalformedError);
    await expect(store.getSealed('share/k1', 1)).rejects.toThrow('format version expected 1, got 9');
  });

  it('commits sealed records and metadata together, and writes nothing when one write is invalid', async () => {
    const { kv, store } = await freshStore();
    await store.commit([
      { type: 'putSealed', recordId: 'share/k1', generation: 2, plaintext: text('next') },
      { type: 'putMeta', key: 'key/k1/active', value: text('2') },
    ]);
    expect(await store.getSealed('share/k1', 2)).toEqual(text('next'));
    expect(await store.getMeta('key/k1/active')).toEqual(text('2'));

    const before = await allEntries(kv.entries(''));
    await expect(
      store.commit([
        { type: 'putSealed', recordId: 'share/k1', generation: 3, plaintext: text('never') },
        { type: 'putMeta', key: 'key/k1/active', value: text('3') },
        { type: 'putSealed', recordId: 'share|k1', generation: 3, plaintext: text('bad id') },
      ]),
    ).rejects.toThrow(RangeError);
    expect(await allEntries(kv.entries(''))).toEqual(before);
  });

  it('rejects record ids that could collide in the additional data or the storage key', async () => {
    const { store } = await freshStore();
    for (const id of ['a|1', 'a#1', '', 'a b', 'x'.repeat(257)]) {
      await expect(store.putSealed(id, 1, text('v')), JSON.stringify(id)).rejects.toThrow(RangeError);
    }
    for (const generation of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      await expect(store.putSealed('share/k', generation, text('v'))).rejects.toThrow('"generation" expected integer >= 0');
    }
  });

  it('fails at open, with one clear error, when the seal holds another key (wrong passphrase)', async () => {
    const kv = new MemoryKeyValueStore();
    await openSealedRecordStore(kv, seal);
    const wrong = await createSoftwareSeal({ passphrase: 'node passphrase 2', salt });
    const error = await openSealedRecordStore(kv, wrong).catch((e: unknown) => e);
    await wrong.close();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe('seal_key_mismatch');
  });
});

describe('SealedRecordStore on LevelDB', () => {
  it('never writes the plaintext to any file in the database directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lux-sealed-'));
    try {
      const kv = await openLevelStore(dir);
      const store = await openSealedRecordStore(kv, seal);
      // Random bytes do not compress, so if they were stored in the clear they would appear verbatim.
      const secret = new Uint8Array(randomBytes(64));
      const control = new Uint8Array(randomBytes(64));
      await store.putSealed('share/k1', 1, secret);
      // Positive control: the same scan does find bytes written unsealed, so a miss above is meaningful.
      await store.putMeta('control', control);
      await kv.close();
      const files = await readAllFiles(dir);
      expect(anyFileContains(files, control)).toBe(true);
      expect(anyFileContains(files, secret)).toBe(false);

      const reopenedKv = await openLevelStore(dir);
      const reopened = await openSealedRecordStore(reopenedKv, seal);
      expect(await reopened.getSealed('share/k1', 1)).toEqual(secret);
      await reopenedKv.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
