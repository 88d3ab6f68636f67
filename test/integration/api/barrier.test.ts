/**
 * Encryption at rest through the storage barrier, checked on the real LevelDB files: no secret value in
 * plaintext anywhere on disk, and a ciphertext copied to another path refuses to decrypt.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Barrier } from '../../../api/server/barrier.js';
import { BarrierIntegrityError } from '../../../api/server/errors.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { startHarness, type Harness } from './gateway-harness.js';

const VALUE = 'sk_live_PLAINTEXT_CANARY_4242';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.secrets.create({ name: 'canary', value: VALUE, tags: ['canary'] });
  await h.admin.secrets.rotate('canary', { newValue: `${VALUE}-v2` });
});
afterAll(async () => h?.close());

it('writes no secret value in plaintext: not in any LevelDB file, not in any raw stored value', async () => {
  let rawValues = 0;
  for await (const [, value] of h.store.entries('')) {
    rawValues++;
    expect(Buffer.from(value).includes(VALUE)).toBe(false);
  }
  expect(rawValues).toBeGreaterThan(5);
  // And the files themselves: the write-ahead .log holds each write as given (table blocks may be compressed,
  // which is why the raw values are checked through the store above as well).
  const dir = join(h.dataDir, 'gateway');
  const files = await readdir(dir);
  expect(files.some((f) => f.endsWith('.log') || f.endsWith('.ldb'))).toBe(true);
  for (const f of files) expect((await readFile(join(dir, f))).includes(VALUE)).toBe(false);
});

it('a record copied to another path fails to decrypt with a clear error, and the API answers a bare 500', async () => {
  await h.admin.secrets.create({ name: 'target', value: 'target-value' });
  const stolen = await h.store.get('sval/production/canary/0000000002');
  expect(stolen).toBeDefined();
  await h.store.put('sval/production/target/0000000001', stolen!);

  const res = await fetch(`${h.url}/v1/environments/production/secrets/target`, { headers: { authorization: `Bearer ${h.adminApiKey}` } });
  const body = await res.json();
  expect(res.status).toBe(500);
  expect(body).toEqual({ statusCode: 500, code: 'internal_error', message: expect.any(String), requestId: res.headers.get('x-request-id') });
  expect(JSON.stringify(body)).not.toContain('sval/');

  // The error itself names the path and the reason, for the operator's log.
  const seal = await createSoftwareSeal({ passphrase: 'another-passphrase', salt: generateSalt() });
  const scratch = await openLevelStore(join(h.dataDir, 'scratch'));
  try {
    const { barrier } = await Barrier.open(scratch, seal);
    const blob = barrier.encrypt('sval/production/a/0000000001', Buffer.from('x'));
    expect(() => barrier.decrypt('sval/production/b/0000000001', blob)).toThrow(BarrierIntegrityError);
    expect(() => barrier.decrypt('sval/production/b/0000000001', blob)).toThrow(
      'stored record at "sval/production/b/0000000001" failed to decrypt: it was modified, moved from another path, or sealed under another barrier key',
    );
  } finally {
    await scratch.close();
    await seal.close();
  }
});

it('the barrier key itself is stored only sealed: another passphrase cannot open the gateway', async () => {
  const sealed = await h.store.get('sys/barrier-key');
  expect(sealed!.length).toBeGreaterThan(32);
  const wrongSeal = await createSoftwareSeal({ passphrase: 'not-the-passphrase', salt: generateSalt() });
  await expect(Barrier.open(h.store, wrongSeal)).rejects.toThrow(/unseal failed/);
  await wrongSeal.close();
});
