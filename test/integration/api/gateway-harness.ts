/**
 * A real gateway for integration tests: LevelDB on disk in a fresh temp directory, the passphrase seal,
 * listening on an ephemeral 127.0.0.1 port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway, type StartOptions } from '../../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { openLevelStore, type LevelKeyValueStore } from '../../../node/store/level-store.js';
import { LuxKMS } from '../../../api/sdk/index.js';

export interface Harness {
  gateway: RunningGateway;
  url: string;
  adminApiKey: string;
  store: LevelKeyValueStore;
  dataDir: string;
  admin: LuxKMS;
  client(apiKey: string, environment?: string): LuxKMS;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<StartOptions> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'luxkms-gw-'));
  const store = await openLevelStore(join(dataDir, 'gateway'));
  const seal = await createSoftwareSeal({ passphrase: 'integration-test-passphrase', salt: generateSalt() });
  const gateway = await startGateway({
    store,
    seal,
    logger: false,
    rateLimit: false,
    ...options,
    // Fast retries for tests; a test whose receiver listens on 127.0.0.1 adds `allowPrivateTargets`.
    webhooks: { baseDelayMs: 30, maxAttempts: 4, timeoutMs: 2000, ...options.webhooks },
  });
  if (!gateway.adminApiKey) throw new Error('first start must return the admin key');
  const client = (apiKey: string, environment = 'production') => new LuxKMS({ apiKey, environment, baseUrl: gateway.url, maxRetries: 0 });
  return {
    gateway,
    url: gateway.url,
    adminApiKey: gateway.adminApiKey,
    store,
    dataDir,
    admin: client(gateway.adminApiKey),
    client,
    close: async () => {
      await gateway.close();
      await store.close();
      await seal.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
