/** Integration-test harness: a real multi-process testnet in a temp folder, and calls to its nodes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Testnet, type TestnetFile } from '../../testnet/cluster.js';
import { callNode, loadEndpoints, type NodeEndpoint } from '../../coordinator/control-client.js';
import { writeFile } from 'node:fs/promises';

export interface TestnetHandle {
  testnet: Testnet;
  file: TestnetFile;
  fileName: string;
  endpoints: NodeEndpoint[];
  node(id: number): NodeEndpoint;
  call<T>(id: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startTestnet(nodes: number, options: { roundTimeoutMs?: number } = {}): Promise<TestnetHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-testnet-'));
  const testnet = await Testnet.start({ nodes, dir: join(dir, 'nodes'), readyTimeoutMs: 180_000, ...options });
  const file = await testnet.file();
  const fileName = join(dir, 'testnet.json');
  await writeFile(fileName, JSON.stringify(file));
  const endpoints = await loadEndpoints({ testnet: fileName });
  const node = (id: number) => endpoints.find((e) => e.id === id)!;
  return {
    testnet,
    file,
    fileName,
    endpoints,
    node,
    call: (id, method, path, body) => callNode(node(id), method, path, body),
    close: async () => {
      await testnet.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the real `luxkms` CLI as a child process and parses its --json output. */
export async function runCli(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const cli = join(import.meta.dirname, '../../coordinator/cli/luxkms.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve({ code: code ?? -1, json: JSON.parse(stdout.trim().split('\n').pop() ?? '{}'), stderr });
      } catch {
        reject(new Error(`CLI printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}
