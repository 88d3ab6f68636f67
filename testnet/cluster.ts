/**
 * A whole cluster on one machine: N party nodes as separate OS processes on 127.0.0.1, node 1 also running
 * the gateway. Data directories persist under `dir`, so a testnet started again over the same folder
 * restarts the same nodes with their keys. Used by `luxkms testnet up` and by the integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../protocols/errors.js';
import { CONFIG_FILE, CONTROL_TOKEN_FILE, initNode } from '../node/init.js';
import { freePort } from './ports.js';

export interface TestnetNode {
  id: number;
  peerId: string;
  multiaddr: string;
  dataDir: string;
  controlUrl: string;
  pid: number;
}

export interface TestnetFile {
  gatewayUrl: string;
  apiKey: string;
  nodes: TestnetNode[];
}

export interface TestnetOptions {
  nodes: number;
  dir: string;
  /** Extra environment for the node processes. */
  env?: Record<string, string>;
  roundTimeoutMs?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Layout {
  id: number;
  dataDir: string;
  configFile: string;
  peerId: string;
  multiaddr: string;
  controlUrl: string;
  gatewayUrl?: string;
}

const CLI_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../coordinator/cli/luxkms' + (import.meta.url.endsWith('.ts') ? '.ts' : '.js'));
export const ADMIN_KEY_FILE = 'admin-api-key';

/** Create (or re-read) the node directories and configs, each listing every member. */
async function prepare(options: TestnetOptions): Promise<Layout[]> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const layouts: Layout[] = [];
  for (let id = 1; id <= options.nodes; id++) {
    const dataDir = join(options.dir, `node-${id}`);
    const configFile = join(dataDir, CONFIG_FILE);
    if (existsSync(configFile)) {
      const config = JSON.parse(await readFile(configFile, 'utf8'));
      const me = config.members.find((m: { id: number }) => m.id === id);
      layouts.push({
        id,
        dataDir,
        configFile,
        peerId: me.peerId,
        multiaddr: config.listen,
        controlUrl: `http://${config.control.host}:${config.control.port}`,
        ...(config.gateway ? { gatewayUrl: `http://${config.gateway.host}:${config.gateway.port}` } : {}),
      });
      continue;
    }
    const listen = `/ip4/127.0.0.1/tcp/${await freePort()}`;
    const control = { host: '127.0.0.1', port: await freePort() };
    const gateway = id === 1 ? { host: '127.0.0.1', port: await freePort() } : null;
    const { peerId } = await initNode({ dataDir, id, listen, control, gateway, ...(options.roundTimeoutMs ? { roundTimeoutMs: options.roundTimeoutMs } : {}) });
    layouts.push({
      id,
      dataDir,
      configFile,
      peerId,
      multiaddr: listen,
      controlUrl: `http://127.0.0.1:${control.port}`,
      ...(gateway ? { gatewayUrl: `http://127.0.0.1:${gateway.port}` } : {}),
    });
  }
  const members = layouts.map((l) => ({ id: l.id, peerId: l.peerId, multiaddrs: [l.multiaddr] }));
  for (const l of layouts) {
    const config = JSON.parse(await readFile(l.configFile, 'utf8'));
    config.members = members;
    await writeFile(l.configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  }
  return layouts;
}

export class Testnet {
  private readonly processes = new Map<number, ChildProcess>();
  private constructor(
    readonly options: TestnetOptions,
    private readonly layouts: Layout[],
  ) {}

  static async start(options: TestnetOptions): Promise<Testnet> {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 64) {
      throw new InvalidInputError(`"--nodes" expected integer 1..64, got ${options.nodes}`);
    }
    const testnet = new Testnet({ ...options, dir: resolve(options.dir) }, await prepare({ ...options, dir: resolve(options.dir) }));
    try {
      for (const l of testnet.layouts) testnet.spawnNode(l.id);
      await testnet.waitReady();
    } catch (e) {
      await testnet.stop();
      throw e;
    }
    return testnet;
  }

  private spawnNode(id: number): void {
    const l = this.layouts.find((x) => x.id === id)!;
    // From the TypeScript sources, children load them through tsx; from the build, plain node runs them.
    const loader = CLI_MAIN.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const args = [...loader, CLI_MAIN, 'node', 'start', '--config', l.configFile, '--log-file', join(l.dataDir, 'node.log')];
    if (l.gatewayUrl) args.push('--admin-key-file', join(this.options.dir, ADMIN_KEY_FILE));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.options.env } });
    child.stderr?.on('data', (chunk: Buffer) => this.options.log?.(`[node ${id}] ${chunk.toString().trimEnd()}`));
    child.on('exit', (code, signal) => {
      if (this.processes.get(id) === child) {
        this.processes.delete(id);
        this.options.log?.(`[node ${id}] exited (${signal ?? code})`);
      }
    });
    this.processes.set(id, child);
  }

  /** Every node's control API answers and sees every member connected; the gateway answers. */
  async waitReady(ids: number[] = this.layouts.map((l) => l.id)): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 60_000);
    for (const id of ids) {
      const l = this.layouts.find((x) => x.id === id)!;
      const token = (await readFile(join(l.dataDir, CONTROL_TOKEN_FILE), 'utf8')).trim();
      for (;;) {
        if (!this.processes.has(id)) throw new Error(`node ${id} exited during start-up (see ${join(l.dataDir, 'node.log')})`);
        const status = await fetch(`${l.controlUrl}/v1/status`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) })
          .then((r) => (r.ok ? (r.json() as Promise<{ members: { connected: boolean }[] }>) : undefined))
          .catch(() => undefined);
        const gatewayUp = !l.gatewayUrl || (await fetch(`${l.gatewayUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok).catch(() => false));
        if (status && status.members.every((m) => m.connected) && gatewayUp) break;
        if (Date.now() > deadline) throw new Error(`node ${id} was not ready within ${this.options.readyTimeoutMs ?? 60_000} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async file(): Promise<TestnetFile> {
    const gateway = this.layouts.find((l) => l.gatewayUrl);
    const apiKey = (await readFile(join(this.options.dir, ADMIN_KEY_FILE), 'utf8').catch(() => '')).trim();
    return {
      gatewayUrl: gateway?.gatewayUrl ?? '',
      apiKey,
      nodes: this.layouts.map((l) => ({
        id: l.id,
        peerId: l.peerId,
        multiaddr: `${l.multiaddr}/p2p/${l.peerId}`,
        dataDir: l.dataDir,
        controlUrl: l.controlUrl,
        pid: this.processes.get(l.id)?.pid ?? 0,
      })),
    };
  }

  /** kill -9: no clean shutdown, as a crash would be. */
  kill(id: number): void {
    const child = this.processes.get(id);
    this.processes.delete(id);
    child?.kill('SIGKILL');
  }

  async restart(id: number): Promise<void> {
    await this.stopNode(id);
    this.spawnNode(id);
    await this.waitReady([id]);
  }

  /** Clean shutdown of one node (SIGTERM), as an operator would do. */
  async stopNode(id: number): Promise<void> {
    const child = this.processes.get(id);
    if (!child) return;
    this.processes.delete(id);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((id) => this.stopNode(id)));
  }
}
