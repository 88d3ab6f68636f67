/**
 * The rotation scheduler keeps its schedule in the key records, so a gateway that was down when a rotation fell
 * due performs it as soon as it starts again (same LevelDB, same seal), and audits it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway } from '../../../api/server/gateway.js';
import { LuxKMS } from '../../../api/sdk/index.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import type { Seal } from '../../../node/hsm/seal.js';
import { openLevelStore, type LevelKeyValueStore } from '../../../node/store/level-store.js';

let dir: string;
let store: LevelKeyValueStore;
let seal: Seal;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'luxkms-keys-restart-'));
  store = await openLevelStore(join(dir, 'gateway'));
  seal = await createSoftwareSeal({ passphrase: 'restart-test-passphrase', salt: generateSalt() });
});
afterAll(async () => {
  await store.close();
  await seal.close();
  await rm(dir, { recursive: true, force: true });
});

const start = () => startGateway({ store, seal, logger: false, rateLimit: false, keys: { minRotationIntervalMs: 1000 } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a rotation that fell due while the gateway was down runs on the next start', async () => {
  const first = await start();
  const apiKey = first.adminApiKey!;
  const kms = (url: string) => new LuxKMS({ apiKey, environment: 'production', baseUrl: url, maxRetries: 0 });
  const key = await kms(first.url).keys.create({ type: 'ECDSA_P256', rotation: '1s' });
  const signature = await kms(first.url).keys.sign({ keyId: key.id, message: 'before the restart' });
  await first.close();

  await sleep(1200);
  const second = await start();
  try {
    const client = kms(second.url);
    let current = await client.keys.get(key.id);
    for (let i = 0; i < 30 && current.currentVersion < 2; i++) {
      await sleep(50);
      current = await client.keys.get(key.id);
    }
    expect(current.currentVersion).toBeGreaterThanOrEqual(2);
    expect(Date.parse(current.rotation!.nextRotationAt)).toBeGreaterThan(Date.now() - 1000);
    // The version signed before the restart is retired, not lost: it still verifies.
    expect(await client.keys.verify({ keyId: key.id, message: 'before the restart', signature })).toMatchObject({ valid: true, keyVersion: 1 });
    const audit = await client.audit.list({ keyId: key.id, actions: ['rotate'] });
    expect(audit.records[0]).toMatchObject({ actor: 'system:key-scheduler', code: 'scheduled' });
  } finally {
    await second.close();
  }
});
