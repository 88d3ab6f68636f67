/**
 * Gateway throughput: authenticated, policy-checked, audited secret reads beside a bare Fastify route, in one
 * run: `npx tsx scripts/bench/gateway.ts [seconds per target] [--json]`.
 *
 * Both servers run in this process; the load runs in a worker thread (its own core) as 64 concurrent
 * keep-alive clients on 127.0.0.1, each sending its next request as soon as the last one answered.
 * The run alternates short rounds of the two targets, so a load spike on a shared machine hits both alike.
 * The gateway uses its real LevelDB store, barrier decryption and group-committed audit writes; its
 * rate limiter stays on (with a budget the load cannot exhaust) so its cost is counted.
 * Targets: gateway throughput >= 40% of the bare route's, gateway p99 <= 20 ms.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { startGateway } from '../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../node/hsm/software-seal.js';
import { openLevelStore } from '../../node/store/level-store.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args.find((a) => !a.startsWith('--')) ?? 6);
if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300) throw new RangeError(`"seconds" expected a number in (0, 300], got ${seconds}`);
const CONCURRENCY = 64;
const WARMUP_MS = 300;
const ROUNDS = 6;

interface RoundResult {
  errors: number;
  elapsed: number;
  /** Milliseconds the servers' event loop was busy during the round (both servers share this thread). */
  busyMs: number;
  /** Latencies in ms. */
  latencies: Float64Array;
}

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server event-loop time per request: less sensitive to other load on the machine than throughput. */
  busyUsPerRequest: number;
}

// Plain JavaScript so the worker needs no TypeScript loader. Latencies in microseconds, sorted at the end.
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, headers, concurrency, warmupMs, durationMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
const latencies = [];
let errors = 0, measuring = false, stop = false;
function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (measuring) { if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t0) / 1000); else errors++; }
        resolve();
      });
    });
    req.on('error', () => { if (measuring) errors++; resolve(); });
    req.end();
  });
}
async function client() { while (!stop) await once(); }
const clients = Array.from({ length: concurrency }, client);
setTimeout(() => {
  measuring = true;
  const started = Date.now();
  setTimeout(async () => {
    measuring = false; stop = true;
    const elapsed = (Date.now() - started) / 1000;
    await Promise.all(clients);
    agent.destroy();
    const ms = Float64Array.from(latencies, (us) => us / 1000);
    parentPort.postMessage({ errors, elapsed, latencies: ms }, [ms.buffer]);
  }, durationMs);
}, warmupMs);
`;

function round(url: string, headers: Record<string, string>, durationMs: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, { eval: true, workerData: { url, headers, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs } });
    let start: EventLoopUtilization | undefined;
    const startTimer = setTimeout(() => (start = performance.eventLoopUtilization()), WARMUP_MS);
    worker.once('message', (r: Omit<RoundResult, 'busyMs'>) => {
      clearTimeout(startTimer);
      const busyMs = start ? performance.eventLoopUtilization(start).active : Number.NaN;
      resolve({ ...r, busyMs });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function summarize(rounds: RoundResult[]): LoadResult {
  const all = Float64Array.from(rounds.flatMap((r) => [...r.latencies])).sort();
  const elapsed = rounds.reduce((t, r) => t + r.elapsed, 0);
  const q = (p: number) => (all.length ? all[Math.min(all.length - 1, Math.floor(p * all.length))]! : Number.NaN);
  const busyMs = rounds.reduce((t, r) => t + r.busyMs, 0);
  return {
    requests: all.length,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    rps: all.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    busyUsPerRequest: (busyMs * 1000) / all.length,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-bench-'));
  const store = await openLevelStore(dir);
  const seal = await createSoftwareSeal({ passphrase: 'bench-passphrase', salt: generateSalt() });
  const gateway = await startGateway({ store, seal, logger: false, rateLimit: { max: 10_000_000, timeWindowMs: 60_000 } });
  const bare = Fastify({ logger: false });
  // The same response shape and size as the secret read, with nothing behind it.
  const canned = { name: 'bench-secret', environment: 'production', tags: ['bench'], version: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), value: 'sk_live_bench_value' };
  bare.get('/secret', async () => canned);
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  try {
    const auth = { authorization: `Bearer ${gateway.adminApiKey}` };
    const created = await fetch(`${gateway.url}/v1/environments/production/secrets`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-secret', value: 'sk_live_bench_value', tags: ['bench'] }),
    });
    if (created.status !== 201) throw new Error(`setup failed: HTTP ${created.status}`);

    const bareRounds: RoundResult[] = [];
    const gwRounds: RoundResult[] = [];
    const perRoundMs = (seconds * 1000) / ROUNDS;
    for (let i = 0; i < ROUNDS; i++) {
      bareRounds.push(await round(`${bareUrl}/secret`, {}, perRoundMs));
      gwRounds.push(await round(`${gateway.url}/v1/environments/production/secrets/bench-secret`, auth, perRoundMs));
    }
    const bareResult = summarize(bareRounds);
    const gwResult = summarize(gwRounds);

    const verify = (await (await fetch(`${gateway.url}/v1/audit/verify`, { headers: auth })).json()) as { valid: boolean; records: number };
    const ratio = gwResult.rps / bareResult.rps;
    const summary = {
      concurrency: CONCURRENCY,
      seconds,
      bare: bareResult,
      gateway: gwResult,
      ratio,
      auditRecords: verify.records,
      auditValid: verify.valid,
      targets: { ratioMin: 0.4, p99MaxMs: 20, ratioMet: ratio >= 0.4, p99Met: gwResult.p99 <= 20 },
    };
    if (json) console.log(JSON.stringify(summary));
    else {
      const row = (name: string, r: LoadResult) =>
        `${name.padEnd(22)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   server ${r.busyUsPerRequest.toFixed(0).padStart(4)} µs/req   errors ${r.errors}`;
      console.log(`${CONCURRENCY} concurrent keep-alive clients, ${ROUNDS} alternating rounds, ${seconds}s per target (each round after ${WARMUP_MS} ms warm-up)`);
      console.log(row('bare Fastify route', bareResult));
      console.log(row('gateway secret read', gwResult));
      console.log(`gateway / bare throughput: ${(ratio * 100).toFixed(1)}% (target >= 40%: ${summary.targets.ratioMet ? 'met' : 'MISSED'})`);
      console.log(`gateway p99: ${gwResult.p99.toFixed(2)} ms (target <= 20 ms: ${summary.targets.p99Met ? 'met' : 'MISSED'})`);
      console.log(`audit log: ${verify.records} records, chain ${verify.valid ? 'valid' : 'BROKEN'}`);
    }
  } finally {
    await bare.close();
    await gateway.close();
    await store.close();
    await seal.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
