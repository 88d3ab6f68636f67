import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../../node/store/kv.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);

async function collect(iterable: AsyncIterable<[string, Uint8Array]>): Promise<string[]> {
  const keys: string[] = [];
  for await (const [key] of iterable) keys.push(key);
  return keys;
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lux-level-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

// The in-memory store exists so unit tests elsewhere behave like LevelDB: run one contract suite against both.
describe.each([
  ['LevelKeyValueStore', async () => openLevelStore(await tempDir())],
  ['MemoryKeyValueStore', async () => new MemoryKeyValueStore()],
] as const)('%s contract', (_name, make) => {
  let store: KeyValueStore;
  beforeEach(async () => {
    store = await make();
  });
  afterEach(async () => {
    await store.close();
  });

  it('round-trips binary values and reports a missing key as undefined', async () => {
    const value = bytes(0, 255, 1, 0, 128);
    await store.put('share/k1/1', value);
    expect(await store.get('share/k1/1')).toEqual(value);
    expect(await store.get('share/k1/2')).toBeUndefined();
    await store.del('share/k1/1');
    expect(await store.get('share/k1/1')).toBeUndefined();
  });

  it('does not let a caller mutate a stored value through its own buffer', async () => {
    const value = bytes(1, 2, 3);
    await store.put('k', value);
    value[0] = 9;
    const read = (await store.get('k'))!;
    read[1] = 9;
    expect(await store.get('k')).toEqual(bytes(1, 2, 3));
  });

  it('lists a prefix in key order, with limit, after and reverse', async () => {
    for (const key of ['a/3', 'a/1', 'b/1', 'a/2', 'a', 'a0']) await store.put(key, text(key));
    expect(await collect(store.entries('a/'))).toEqual(['a/1', 'a/2', 'a/3']);
    expect(await collect(store.entries('a/', { reverse: true }))).toEqual(['a/3', 'a/2', 'a/1']);
    expect(await collect(store.entries('a/', { limit: 2 }))).toEqual(['a/1', 'a/2']);
    expect(await collect(store.entries('a/', { after: 'a/1' }))).toEqual(['a/2', 'a/3']);
    expect(await collect(store.entries('a/', { after: 'a/3', reverse: true, limit: 1 }))).toEqual(['a/2']);
    expect(await collect(store.entries('a/', { limit: 0 }))).toEqual([]);
    expect(await collect(store.entries(''))).toEqual(['a', 'a/1', 'a/2', 'a/3', 'a0', 'b/1']);
    const values: string[] = [];
    for await (const [, value] of store.entries('b/')) values.push(new TextDecoder().decode(value));
    expect(values).toEqual(['b/1']);
  });

  it('orders and bounds keys by UTF-8 bytes, including non-ASCII prefixes', async () => {
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
    for (const key of ['é/2', 'é/1', 'ê/1', '\u{1F600}', '\uFF5E']) await store.put(key, text(key));
    expect(await collect(store.entries('é/'))).toEqual(['é/1', 'é/2']);
    expect(await collect(store.entries('', { after: 'ê/1' }))).toEqual(['\uFF5E', '\u{1F600}']);
  });

  it('applies a batch of puts and deletes together', async () => {
    await store.put('old', text('x'));
    await store.batch([
      { type: 'put', key: 'new/1', value: text('1') },
      { type: 'put', key: 'new/2', value: text('2') },
      { type: 'del', key: 'old' },
    ]);
    expect(await collect(store.entries(''))).toEqual(['new/1', 'new/2']);
  });

  it('rejects a batch with one malformed operation without writing any of it', async () => {
    const bad = [
      { type: 'put', key: 'ok', value: text('1') },
      { type: 'put', key: 'broken', value: 'not bytes' },
    ] as never;
    await expect(store.batch(bad)).rejects.toThrow(TypeError);
    expect(await store.get('ok')).toBeUndefined();
  });

  it('rejects bad keys, values and options with titled errors', async () => {
    await expect(store.put('', text('x'))).rejects.toThrow(RangeError);
    await expect(store.put(7 as never, text('x'))).rejects.toThrow('"key" expected string');
    await expect(store.put('k', 'x' as never)).rejects.toThrow('"value" expected Uint8Array');
    await expect(collect(store.entries('a', { limit: -1 }))).rejects.toThrow('"limit" expected integer >= 0, got -1');
  });
});

describe('LevelKeyValueStore durability', () => {
  it('keeps every write of a batch after the store is closed and reopened', async () => {
    const dir = await tempDir();
    const first = await openLevelStore(dir);
    await first.batch([
      { type: 'put', key: 'share/k/2', value: bytes(2) },
      { type: 'put', key: 'meta/k/active', value: bytes(2) },
    ]);
    await first.close();
    const second = await openLevelStore(dir);
    expect(await second.get('share/k/2')).toEqual(bytes(2));
    expect(await second.get('meta/k/active')).toEqual(bytes(2));
    await second.close();
  });

  it('never shows half a batch after the writing process is killed mid-stream (SIGKILL crash)', async () => {
    const dir = await tempDir();
    const storeModule = fileURLToPath(new URL('../../../node/store/level-store.ts', import.meta.url));
    const writer = join(dir, 'writer.mts');
    const dbDir = join(dir, 'db');
    // Each batch writes a pair of 4 KiB values and the "last" pointer; the invariant after any crash is that every
    // pair is complete and "last" names the highest complete pair.
    await writeFile(
      writer,
      `import { openLevelStore } from ${JSON.stringify(storeModule)};
const store = await openLevelStore(process.argv[2]);
for (let i = 0; ; i++) {
  const value = new Uint8Array(4096).fill(i % 251);
  const index = new TextEncoder().encode(String(i));
  await store.batch([
    { type: 'put', key: 'pair/' + String(i).padStart(8, '0') + '/a', value },
    { type: 'put', key: 'pair/' + String(i).padStart(8, '0') + '/b', value },
    { type: 'put', key: 'last', value: index },
  ]);
  if (i === 200) process.stdout.write('ready\\n');
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dbDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const store = await openLevelStore(dbDir);
    const pairs = new Map<string, Uint8Array[]>();
    for await (const [key, value] of store.entries('pair/')) {
      const index = key.split('/')[1]!;
      pairs.set(index, [...(pairs.get(index) ?? []), value]);
    }
    const last = Number(new TextDecoder().decode((await store.get('last'))!));
    await store.close();

    const torn = [...pairs].filter(([, values]) => values.length !== 2 || Buffer.compare(values[0]!, values[1]!) !== 0).map(([index]) => index);
    expect(torn).toEqual([]);
    expect(pairs.size).toBeGreaterThan(200);
    expect(pairs.size).toBe(last + 1);
  });
});
