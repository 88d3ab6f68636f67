import { describe, expect, it } from 'vitest';
import { DecodedCache } from '../../../node/keys/decoded-cache.js';

describe('decoded key material cache', () => {
  it('loads once per (key, generation, kind) and retries a failed load', async () => {
    const cache = new DecodedCache();
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', 0, 'share', load)).toBe(1);
    expect(await cache.get('k', 0, 'share', load)).toBe(1);
    expect(await cache.get('k', 1, 'share', load)).toBe(2);
    await expect(cache.get('k', 2, 'share', async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', 2, 'share', load)).toBe(3);
  });

  it('a held single-use value is handed out once: a second take finds nothing', async () => {
    const cache = new DecodedCache();
    const presignature = { k: 7n };
    cache.put('k', 0, 'presignature:p1', presignature);
    expect(await cache.take('k', 0, 'presignature:p1')).toBe(presignature);
    expect(cache.take('k', 0, 'presignature:p1')).toBeUndefined();
    // Another generation's entry is a different value.
    cache.put('k', 1, 'presignature:p1', { k: 8n });
    expect(cache.take('k', 0, 'presignature:p1')).toBeUndefined();
  });

  it('forgetting a key drops its held presignatures with its shares', async () => {
    const cache = new DecodedCache();
    cache.put('k', 0, 'presignature:p1', { k: 7n });
    cache.put('other', 0, 'presignature:p1', { k: 9n });
    cache.forget('k');
    expect(cache.take('k', 0, 'presignature:p1')).toBeUndefined();
    expect(await cache.take('other', 0, 'presignature:p1')).toEqual({ k: 9n });
  });
});
