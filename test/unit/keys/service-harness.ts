/** A KeysService over an in-memory store behind a real barrier, with a clock the test moves. */
import { Barrier, EncryptedStore } from '../../../api/server/barrier.js';
import { KeyStoreRegistry } from '../../../api/engines/keys/key-stores.js';
import { KeysService } from '../../../api/engines/keys/service.js';
import type { ThresholdSigner } from '../../../api/engines/keys/threshold.js';
import { WebhookService } from '../../../api/engines/webhooks/service.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

export async function keysService(cluster?: ThresholdSigner) {
  const seal = await createSoftwareSeal({ passphrase: 'unit-test-passphrase', salt: generateSalt() });
  const { barrier } = await Barrier.open(new MemoryKeyValueStore(), seal);
  const store = new EncryptedStore(new MemoryKeyValueStore(), barrier);
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  const keys = new KeysService(store, new WebhookService(store), await KeyStoreRegistry.open([]), cluster, { now: () => clock.now });
  return { keys, clock, store };
}
