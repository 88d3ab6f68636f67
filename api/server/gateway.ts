/**
 * The gateway's public entry points. `createGateway` wires services over a store and a seal and returns the
 * (not yet listening) app; `startGateway` also opens the embedded LevelDB store and listens.
 *
 * On first start an admin API key (all environments, the built-in `root` policy) is created and returned
 * once; only its hash is kept. Later starts never return it again.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyValueStore } from '../../node/store/kv.js';
import type { Seal } from '../../node/hsm/seal.js';
import { openLevelStore } from '../../node/store/level-store.js';
import { AiService } from '../engines/ai/service.js';
import { AuditLog } from '../engines/audit/service.js';
import { KeyStoreRegistry, type KeyStoreConfig } from '../engines/keys/key-stores.js';
import { KeyScheduler } from '../engines/keys/scheduler.js';
import { KeysService, type KeysOptions } from '../engines/keys/service.js';
import type { ThresholdSigner } from '../engines/keys/threshold.js';
import type { WalletCluster } from '../engines/mpc/cluster.js';
import { MpcWalletService } from '../engines/mpc/service.js';
import { PolicyService, ROOT_POLICY } from '../engines/policies/service.js';
import { SecretsService } from '../engines/secrets/service.js';
import { parsePkiOptions, type PkiGatewayOptions } from '../engines/certificates/options.js';
import { CertificateService, DEFAULT_PKI_OPTIONS } from '../engines/certificates/service.js';
import { SshService } from '../engines/ssh/service.js';
import { parseWebhookOptions, type WebhookOptions } from '../engines/webhooks/options.js';
import { WebhookService } from '../engines/webhooks/service.js';
import { buildApp, type AppOptions } from './app.js';
import { ALL_ENVIRONMENTS, ApiKeyService } from './auth/api-keys.js';
import { EnvironmentService } from './auth/environments.js';
import { Barrier, EncryptedStore } from './barrier.js';

const ADMIN_MARKER = 'sys/admin-key';
// How long in-flight requests get to finish on close before their connections are cut.
const CLOSE_GRACE_MS = 10_000;

/** What the engines that run ceremonies (threshold keys, MPC wallets) use of the node's cluster client. */
export type GatewayCluster = ThresholdSigner & WalletCluster;

export interface GatewayOptions extends AppOptions {
  store: KeyValueStore;
  seal: Seal;
  /** Where the audit chain lives; defaults to `store`. */
  auditStore?: KeyValueStore;
  webhooks?: Partial<WebhookOptions>;
  /** The party cluster's client, when the gateway runs inside a node; without it threshold keys and MPC wallets are refused. */
  cluster?: GatewayCluster;
  /** HSM key stores customer keys can be created in (PKCS#11 tokens, by provider preset). */
  keyStores?: KeyStoreConfig[];
  keys?: Partial<KeysOptions>;
  /** `publicBaseUrl`: the address relying parties reach the gateway at, named in certificates' CRL Distribution Points. */
  pki?: PkiGatewayOptions;
}

export interface Gateway {
  app: FastifyInstance;
  /** Present only on the first start: the admin token, shown this once. */
  adminApiKey?: string;
  /** Stops taking requests, waits for in-flight ones, flushes the audit log and stops webhook delivery. */
  close(): Promise<void>;
}

/** The purpose the audit head's authentication key is derived for from the barrier key. */
const AUDIT_ANCHOR_PURPOSE = 'luxkms/gateway/audit-head/v1';

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  // Checked before anything is opened: a bad setting should stop the start, not surface at the first webhook.
  const webhookOptions = parseWebhookOptions(options.webhooks);
  const pkiOptions = parsePkiOptions(options.pki);
  const { barrier } = await Barrier.open(options.store, options.seal);
  const store = new EncryptedStore(options.store, barrier);
  const apiKeys = new ApiKeyService(store);
  const environments = new EnvironmentService(store);
  const policies = new PolicyService(store);
  const audit = new AuditLog(options.auditStore ?? options.store, barrier.deriveKey(AUDIT_ANCHOR_PURPOSE));
  const webhooks = new WebhookService(store, webhookOptions);
  await Promise.all([apiKeys.init(), environments.init(), policies.init(), audit.init()]);
  await webhooks.init();

  let adminApiKey: string | undefined;
  // A marker, not "no keys yet": a crash between creating the barrier and the admin key must not skip it.
  if (!(await store.getJson(ADMIN_MARKER))) {
    const created = await apiKeys.create({ name: 'admin', environments: [ALL_ENVIRONMENTS], policies: [ROOT_POLICY] });
    await store.putJson(ADMIN_MARKER, { id: created.key.id, createdAt: created.key.createdAt });
    adminApiKey = created.apiKey;
  }

  const secrets = new SecretsService(store, webhooks);
  const keyStores = await KeyStoreRegistry.open(options.keyStores);
  const keys = new KeysService(store, webhooks, keyStores, options.cluster, options.keys);
  const ai = new AiService(store, secrets);
  const mpc = new MpcWalletService(store, options.cluster);
  const certificates = new CertificateService(store, webhooks, audit, { ...DEFAULT_PKI_OPTIONS, ...pkiOptions }, (message, err) => app.log.error({ err }, message));
  await ai.init();
  const app = await buildApp({ apiKeys, environments, policies, audit, secrets, webhooks, ai, certificates, ssh: new SshService(store), keys, mpc }, options);
  const keyScheduler = new KeyScheduler(keys, audit, app.log);
  await keyScheduler.start();
  await certificates.start();
  let closing: Promise<void> | undefined;
  // Idle keep-alive sockets are closed when closing starts; sockets busy at that moment must close after their
  // response, or clients would hold them open (and `close()` pending) for the whole keep-alive timeout.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  await app.ready();

  return {
    app,
    ...(adminApiKey ? { adminApiKey } : {}),
    close: () =>
      (closing ??= (async () => {
        const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
        certificates.close();
        await keyScheduler.stop();
        await keyStores.close();
        webhooks.close();
        await Promise.all([audit.drain(), ai.drain()]);
      })()),
  };
}

export interface StartOptions extends Omit<GatewayOptions, 'store'> {
  host?: string;
  port?: number;
  /** LevelDB directory, opened here and closed by `close()`; or pass `store` to own it yourself. */
  dataDir?: string;
  store?: KeyValueStore;
  /** Close gracefully on SIGINT/SIGTERM. */
  handleSignals?: boolean;
}

export interface RunningGateway extends Gateway {
  url: string;
}

export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  if (!options.store && !options.dataDir) throw new TypeError('startGateway: expected "store" or "dataDir"');
  const ownedStore = options.store ? undefined : await openLevelStore(options.dataDir!);
  const store = options.store ?? ownedStore!;
  let gateway: Gateway;
  try {
    gateway = await createGateway({ ...options, store });
  } catch (err) {
    await ownedStore?.close();
    throw err;
  }
  const url = await gateway.app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });

  const close = async () => {
    await gateway.close();
    await ownedStore?.close();
  };
  if (options.handleSignals) {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void close().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { ...gateway, url, close };
}
