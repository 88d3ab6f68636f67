/** `luxkms node init|start|status`: what a node operator runs on each party machine. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../../../node/config.js';
import { initNode, CONTROL_TOKEN_FILE } from '../../../node/init.js';
import { runNode, type Companion } from '../../../node/run.js';
import type { ClusterService } from '../../../node/cluster.js';
import type { PartyNode } from '../../../node/daemon.js';
import { callNode } from '../../control-client.js';
import { usage, type Output } from '../output.js';

export const NODE_HELP = `luxkms node <command>

Commands:
  init    --data-dir DIR --id N [--listen MULTIADDR] [--control-port P] [--gateway-port P]
          Create the node's identity, control token, seal material and node.json in DIR.
  start   --config FILE [--log-file FILE] [--admin-key-file FILE]
          Run the party node (and the gateway, when its config has one) until SIGINT/SIGTERM.
  status  --config FILE
          Ask the running node for its peers, sessions and seal.

Options:
  --json  print one JSON object on stdout
  --help  this text`;

function integerFlag(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw usage(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw usage(`--${name} expected a non-negative integer, got "${value}"`);
  return n;
}

export async function nodeCommand(argv: string[], out: Output): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      id: { type: 'string' },
      listen: { type: 'string' },
      'control-port': { type: 'string' },
      'gateway-port': { type: 'string' },
      config: { type: 'string' },
      'log-file': { type: 'string' },
      'admin-key-file': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !sub) return out.result({ help: NODE_HELP }, NODE_HELP);
  switch (sub) {
    case 'init': {
      if (!values['data-dir']) throw usage('--data-dir is required');
      const gatewayPort = values['gateway-port'] === undefined ? undefined : integerFlag(values['gateway-port'], 'gateway-port');
      const result = await initNode({
        dataDir: values['data-dir'],
        id: integerFlag(values.id, 'id'),
        listen: values.listen ?? '/ip4/127.0.0.1/tcp/7000',
        control: { host: '127.0.0.1', port: integerFlag(values['control-port'], 'control-port', 7100) },
        gateway: gatewayPort === undefined ? null : { host: '127.0.0.1', port: gatewayPort },
      });
      return out.result(result, `node initialised\n  peer id: ${result.peerId}\n  config:  ${result.configFile}\nAdd every member's id, peer id and address to "members" in each node.json.`);
    }
    case 'start': {
      if (!values.config) throw usage('--config is required');
      const adminKeyFile = values['admin-key-file'];
      const running = await runNode(values.config, {
        ...(values['log-file'] ? { logFile: values['log-file'] } : {}),
        companion: (cluster, node) => startGatewayCompanion(cluster, node, adminKeyFile, out),
      });
      out.progress(`party node ${running.node.services.config.id} running (peer ${running.node.services.identity.peerId}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void running.stop().then(resolve, resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      return;
    }
    case 'status': {
      if (!values.config) throw usage('--config is required');
      const config = await loadNodeConfig(values.config);
      const token = (await readFile(join(config.dataDir, CONTROL_TOKEN_FILE), 'utf8')).trim();
      const status = await callNode<Record<string, unknown>>(
        { id: config.id, peerId: '', controlUrl: `http://${config.control.host}:${config.control.port}`, token },
        'GET',
        '/v1/status',
      );
      return out.result(status);
    }
    default:
      throw usage(`unknown command "node ${sub}"\n\n${NODE_HELP}`);
  }
}

/** A node whose config has a gateway also serves the REST API, handed this node's cluster client. */
async function startGatewayCompanion(cluster: ClusterService, node: PartyNode, adminKeyFile: string | undefined, out: Output): Promise<Companion> {
  const config = node.services.config;
  if (!config.gateway) return { stop: async () => undefined };
  const { startGateway } = await import('../../../api/server/gateway.js');
  const gateway = await startGateway({
    host: config.gateway.host,
    port: config.gateway.port,
    dataDir: join(config.dataDir, 'gateway'),
    seal: node.services.seal,
    cluster,
    ...(config.gateway.webhooks ? { webhooks: config.gateway.webhooks } : {}),
    ...(config.gateway.pki ? { pki: config.gateway.pki } : {}),
  } as Parameters<typeof startGateway>[0]);
  if (gateway.adminApiKey) {
    if (adminKeyFile) await writeFile(adminKeyFile, gateway.adminApiKey + '\n', { mode: 0o600 });
    else out.progress(`gateway admin API key (shown once): ${gateway.adminApiKey}`);
  }
  out.progress(`gateway listening on ${gateway.url}`);
  return { stop: () => gateway.close() };
}
