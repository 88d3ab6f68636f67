/**
 * A party node: its identity, sealed store, libp2p host and session manager, started and stopped as one
 * component. Ceremonies (keygen, signing, resharing …) are registered as handlers of the session manager.
 */
import './p2p/polyfill.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, type PartyId } from '../protocols/errors.js';
import type { NodeConfig } from './config.js';
import type { Seal } from './hsm/seal.js';
import { PartyHost } from './p2p/host.js';
import { loadOrCreateIdentity, type PartyIdentity } from './p2p/identity.js';
import { createPartyAuthenticator } from './p2p/party-auth.js';
import { openNodeSeal } from './seal-from-config.js';
import { SessionManager, type CeremonyHandler, type SessionLogger } from './sessions/manager.js';
import type { KeyValueStore } from './store/kv.js';
import { openLevelStore } from './store/level-store.js';
import { openSealedRecordStore } from './store/sealed-store.js';
import { KeyVault } from './keys/key-vault.js';
import { NodeMetrics } from './metrics.js';
import { DecodedCache } from './keys/decoded-cache.js';
import { sweepAtStart } from './keys/sweep.js';
import { SafePrimePool } from '../protocols/math/primes.js';
import { PARAMS_2048 } from '../protocols/cggmp21/params.js';

export interface NodeLogger extends SessionLogger {
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface NodeServices {
  config: NodeConfig;
  identity: PartyIdentity;
  members: ReadonlyMap<PartyId, string>;
  store: KeyValueStore;
  seal: Seal;
  vault: KeyVault;
  /** Safe primes for Paillier keys (aux info, refresh), generated in the background so ceremonies rarely wait. */
  primes: SafePrimePool;
  metrics: NodeMetrics;
  /** Decoded shares and aux info per generation (immutable, so decoded and validated once). */
  decoded: DecodedCache;
  logger: NodeLogger;
}

export type CeremonyFactory = (services: NodeServices, sessions: () => SessionManager) => Record<string, CeremonyHandler<never>>;

export class PartyNode {
  readonly services: NodeServices;
  readonly host: PartyHost;
  readonly sessions: SessionManager;

  private constructor(services: NodeServices, host: PartyHost, sessions: SessionManager) {
    this.services = services;
    this.host = host;
    this.sessions = sessions;
  }

  static async open(config: NodeConfig, ceremonies: CeremonyFactory, logger: NodeLogger): Promise<PartyNode> {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const identity = await loadOrCreateIdentity(join(config.dataDir, 'identity.key'));
    const me = config.members.find((m) => m.id === config.id)!;
    if (me.peerId !== identity.peerId) {
      throw new InvalidInputError(`this node's identity is ${identity.peerId}, but the cluster config lists ${me.peerId} for id ${config.id}`);
    }
    const seal = await openNodeSeal(config);
    let store: KeyValueStore | undefined;
    try {
      store = await openLevelStore(join(config.dataDir, 'db'));
      const sealed = await openSealedRecordStore(store, seal);
      const members = new Map(config.members.map((m) => [m.id, m.peerId]));
      const primes = new SafePrimePool({ modulusBits: [PARAMS_2048.paillierBits], targetPairs: 2 });
      const metrics = new NodeMetrics();
      const services: NodeServices = { config, identity, members, store, seal, vault: new KeyVault(sealed), primes, metrics, decoded: new DecodedCache(), logger };
      const host = new PartyHost({
        privateKey: identity.privateKey,
        listen: [config.listen],
        members: config.members.map((m) => ({ peerId: m.peerId, multiaddrs: m.multiaddrs })),
        logger: { warn: (o, m) => logger.warn(o, m), debug: (o, m) => logger.debug(o, m) },
      });
      let manager: SessionManager | undefined;
      manager = new SessionManager({
        self: config.id,
        members,
        transport: host,
        auth: createPartyAuthenticator(identity, members),
        handlers: ceremonies(services, () => manager!),
        roundTimeoutMs: config.roundTimeoutMs,
        logger,
        observer: metrics,
      });
      return new PartyNode(services, host, manager);
    } catch (e) {
      await store?.close().catch(() => undefined);
      await seal.close().catch(() => undefined);
      throw e;
    }
  }

  async start(): Promise<void> {
    // Before the session manager listens: no ceremony is in progress yet, so what the sweep finds is left over.
    const { vault, config, logger, metrics } = this.services;
    await sweepAtStart({ vault, self: config.id, logger, metrics });
    this.services.primes.start();
    this.sessions.start();
    await this.host.start();
    this.services.logger.info({ id: this.services.config.id, peerId: this.services.identity.peerId, addrs: this.host.multiaddrs() }, 'party node started');
  }

  /** Dial every member and wait until all are connected (bounded by the host's own deadline). */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.host.connectAll(signal ? { signal } : {});
  }

  async stop(): Promise<void> {
    this.sessions.stop();
    await this.services.primes.stop();
    await this.host.stop();
    await this.services.store.close();
    await this.services.seal.close();
  }

  /** Prometheus text exposition, with the gauges read at scrape time. */
  async metrics(): Promise<string> {
    const m = this.services.metrics;
    m.activeSessions.set(this.sessions.active().length);
    m.primePairs.set(this.services.primes.size(PARAMS_2048.paillierBits));
    for (const record of await this.services.vault.list()) {
      if (record.protocol === 'cggmp21') m.presignatures.set({ key: record.keyId }, (await this.services.vault.listPresignatures(record.keyId)).length);
    }
    return m.registry.metrics();
  }

  status() {
    const connected = new Set(this.host.connectedPeers());
    return {
      id: this.services.config.id,
      peerId: this.services.identity.peerId,
      multiaddrs: this.host.multiaddrs(),
      seal: this.services.seal.kind,
      primePairsReady: this.services.primes.size(PARAMS_2048.paillierBits),
      members: this.services.config.members.map((m) => ({
        id: m.id,
        peerId: m.peerId,
        connected: m.id === this.services.config.id || connected.has(m.peerId),
      })),
      sessions: this.sessions.active(),
    };
  }
}
