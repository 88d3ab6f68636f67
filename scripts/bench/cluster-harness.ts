/**
 * A multi-process testnet for benchmarks: starts it in a temp folder, calls nodes' control APIs and the gateway,
 * waits for background work (prime pools, presignature pools) to settle, and reads each node process's CPU time
 * from the kernel, so a figure can say how much work a ceremony cost beside how long it took on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callNode, loadEndpoints, type NodeEndpoint } from '../../coordinator/control-client.js';
import { Testnet, type TestnetFile } from '../../testnet/cluster.js';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU ms of a process (Linux /proc); NaN where that is not available. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

export interface CpuSpent {
  /** All listed nodes together. */
  total: number;
  /** The node that spent most: the critical path when each node has a core of its own. */
  busiest: number;
}

export class BenchCluster {
  private constructor(
    readonly testnet: Testnet,
    readonly file: TestnetFile,
    readonly endpoints: NodeEndpoint[],
    private readonly dir: string,
  ) {}

  static async start(nodes: number, options: { env?: Record<string, string>; roundTimeoutMs: number; log: (line: string) => void }): Promise<BenchCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'luxkms-bench-cluster-'));
    try {
      const testnet = await Testnet.start({ nodes, dir: join(dir, 'nodes'), readyTimeoutMs: 180_000, roundTimeoutMs: options.roundTimeoutMs, log: options.log, ...(options.env ? { env: options.env } : {}) });
      const file = await testnet.file();
      const fileName = join(dir, 'testnet.json');
      await writeFile(fileName, JSON.stringify(file));
      return new BenchCluster(testnet, file, await loadEndpoints({ testnet: fileName }), dir);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  call<T>(id: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return callNode<T>(this.endpoints.find((e) => e.id === id)!, method, path, body);
  }

  /** A gateway request with the admin API key; throws with the gateway's message unless it answered 2xx. */
  async gateway<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.file.gatewayUrl + path, {
      method,
      headers: { authorization: `Bearer ${this.file.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json().catch(() => ({}))) as T & { message?: string; code?: string };
    if (!response.ok) throw new Error(`gateway ${method} ${path}: HTTP ${response.status} ${json.code ?? ''} ${json.message ?? ''}`.trim());
    return json;
  }

  async primePairs(ids: number[]): Promise<number[]> {
    return Promise.all(ids.map(async (id) => (await this.call<{ primePairsReady: number }>(id, 'GET', '/v1/status')).primePairsReady));
  }

  async presignatures(id: number, keyId: string): Promise<number> {
    return (await this.call<{ presignatures: number }>(id, 'GET', `/v1/keys/${keyId}/presignatures`)).presignatures;
  }

  /** Polls `ready` until it holds or `timeoutMs` passes; true when it held. */
  async until(ready: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
    const deadline = performance.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (await ready()) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Every listed node's CPU ms so far; `spentSince` turns two readings into a figure. */
  cpu(ids: number[]): Map<number, number> {
    return new Map(ids.map((id) => [id, processCpuMs(this.file.nodes.find((n) => n.id === id)!.pid)]));
  }

  spentSince(before: Map<number, number>): CpuSpent {
    const deltas = [...before].map(([id, ms]) => processCpuMs(this.file.nodes.find((n) => n.id === id)!.pid) - ms);
    return { total: deltas.reduce((a, b) => a + b, 0), busiest: Math.max(...deltas) };
  }

  async stop(): Promise<void> {
    await this.testnet.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
