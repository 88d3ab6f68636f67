/**
 * Runs one party node process: opens the node from its config, serves the control API, optionally hands the
 * cluster to a gateway, dials the other members, and shuts everything down cleanly on SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modPowSelfTest } from '../protocols/math/modpow.js';
import { ClusterService } from './cluster.js';
import { loadNodeConfig } from './config.js';
import { PartyNode } from './daemon.js';
import { nodeCeremonies, protocolDrivers } from './ceremonies/index.js';
import { PresignPool } from './keys/presign-pool.js';
import { startControlServer } from './control/server.js';
import { CONTROL_TOKEN_FILE } from './init.js';
import { createNodeLogger } from './logger.js';

/** Something the node process also runs, handed the cluster (the gateway): stopped before the node. */
export interface Companion {
  stop(): Promise<void>;
}

export interface RunningNode {
  node: PartyNode;
  cluster: ClusterService;
  stop(): Promise<void>;
}

export async function runNode(
  configFile: string,
  options: { logFile?: string; companion?: (cluster: ClusterService, node: PartyNode) => Promise<Companion> } = {},
): Promise<RunningNode> {
  const config = await loadNodeConfig(configFile);
  const logger = createNodeLogger({ name: `luxkms-node-${config.id}`, ...(options.logFile ? { file: options.logFile } : {}) });
  const selfTest = modPowSelfTest();
  logger.info({ modPow: selfTest }, selfTest.passed ? 'modPow self-test passed (OpenSSL backend)' : 'modPow self-test failed: using the BigInt backend');
  const node = await PartyNode.open(config, nodeCeremonies, logger);
  const pool = new PresignPool(node.services, (ceremony, parties, params) => node.sessions.run(ceremony, parties, params), config.presignPoolTarget);
  const cluster = new ClusterService(node, protocolDrivers(pool), pool);
  await node.start();
  pool.start();
  const token = (await readFile(join(config.dataDir, CONTROL_TOKEN_FILE), 'utf8')).trim();
  const control = await startControlServer({ cluster, token, host: config.control.host, port: config.control.port });
  const companion = options.companion ? await options.companion(cluster, node) : undefined;
  void node.connect().catch((e: Error) => logger.warn({ error: e.message }, 'not every member is reachable yet; reconnecting in the background'));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await companion?.stop().catch((e: Error) => logger.error({ error: e.message }, 'companion stop failed'));
      await control.close();
      pool.stop();
      await node.stop();
      logger.info({}, 'party node stopped');
    })());
  return { node, cluster, stop };
}
