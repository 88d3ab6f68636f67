/** The storage barrier: AES-256-GCM bound to the storage path, key sealed by the node's seal. */
import { describe, expect, it } from 'vitest';
import { Barrier } from '../../../api/server/barrier.js';
import { BarrierIntegrityError } from '../../../api/server/errors.js';
import type { Seal } from '../../../node/hsm/seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

// A stand-in seal that only records its calls: the barrier's own encryption is what is under test here.
function recordingSeal(): Seal & { calls: string[] } {
  const calls: string[] = [];
  return {
    kind: 'software',
    calls,
    async seal(p, ad) {
      calls.push(`seal:${Buffer.from(ad).toString()}`);
      return Uint8Array.from([...p].map((b) => b ^ 0xff));
    },
    async unseal(s, ad) {
      calls.push(`unseal:${Buffer.from(ad).toString()}`);
      return Uint8Array.from([...s].map((b) => b ^ 0xff));
    },
    async close() {},
  };
}

describe('Barrier', () => {
  it('creates and seals the key once, then unseals the same key on later starts', async () => {
    const store = new MemoryKeyValueStore();
    const seal = recordingSeal();
    const first = await Barrier.open(store, seal);
    const blob = first.barrier.encrypt('a/b', Buffer.from('hello'));
    const second = await Barrier.open(store, seal);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(Buffer.from(second.barrier.decrypt('a/b', blob)).toString()).toBe('hello');
    expect(seal.calls).toEqual(['seal:luxkms/gateway/barrier-key/v1', 'unseal:luxkms/gateway/barrier-key/v1']);
  });

  it('refuses a blob moved to another path, a flipped bit, a truncated blob and an unknown format', async () => {
    const { barrier } = await Barrier.open(new MemoryKeyValueStore(), recordingSeal());
    const blob = barrier.encrypt('smeta/production/a', Buffer.from('{"x":1}'));
    expect(() => barrier.decrypt('smeta/production/b', blob)).toThrow(BarrierIntegrityError);
    const flipped = Uint8Array.from(blob);
    flipped[20]! ^= 1;
    expect(() => barrier.decrypt('smeta/production/a', flipped)).toThrow(BarrierIntegrityError);
    expect(() => barrier.decrypt('smeta/production/a', blob.subarray(0, 20))).toThrow(BarrierIntegrityError);
    const wrongVersion = Uint8Array.from(blob);
    wrongVersion[0] = 2;
    expect(() => barrier.decrypt('smeta/production/a', wrongVersion)).toThrow(BarrierIntegrityError);
  });

  it('uses a fresh nonce per write', async () => {
    const { barrier } = await Barrier.open(new MemoryKeyValueStore(), recordingSeal());
    const a = barrier.encrypt('p', Buffer.from('same'));
    const b = barrier.encrypt('p', Buffer.from('same'));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
