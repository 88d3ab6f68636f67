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

/**
 * Test-only: open a stopped node's sealed store with its own passphrase and read a key's ECDSA share, so a test
 * knows which bytes must never appear in the raw files.
 */
export async function readSealedShareForTest(dataDir: string, keyId: string) {
  const { readFile } = await import('node:fs/promises');
  const { createSoftwareSeal } = await import('../../node/hsm/software-seal.js');
  const { openLevelStore } = await import('../../node/store/level-store.js');
  const { openSealedRecordStore } = await import('../../node/store/sealed-store.js');
  const { KeyVault } = await import('../../node/keys/key-vault.js');
  const { decodeKeyShare } = await import('../../protocols/cggmp21/key-share.js');
  const { decodeWire } = await import('../../protocols/math/wire.js');
  const seal = await createSoftwareSeal({
    passphrase: (await readFile(join(dataDir, 'seal.passphrase'), 'utf8')).trim(),
    salt: new Uint8Array(await readFile(join(dataDir, 'seal.salt'))),
  });
  const store = await openLevelStore(join(dataDir, 'db'));
  try {
    const vault = new KeyVault(await openSealedRecordStore(store, seal));
    const record = await vault.require(keyId);
    return decodeKeyShare(decodeWire(await vault.share(keyId, record.generation)));
  } finally {
    await store.close();
    await seal.close();
  }
}
