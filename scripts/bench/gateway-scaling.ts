/**
 * Gateway throughput and latency as load grows: authenticated, policy-checked, audited secret reads beside a bare
 * Fastify route returning the same JSON, at 1, 16, 64 and 256 concurrent keep-alive clients:
 * `npx tsx scripts/bench/gateway-scaling.ts [--json] [--budget SECONDS]`.
 *
 * Both servers run in this process (one event loop, as a gateway has); the load comes from a worker thread.
 * Rounds alternate between the two servers at each level, so a load spike on a shared machine hits both alike.
 * The gateway uses its real LevelDB store, barrier decryption and group-committed audit writes, with its rate
 * limiter on (and a budget the load cannot exhaust) so its cost is counted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { startGateway } from '../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../node/hsm/software-seal.js';
import { GATEWAY } from './figures.js';
import { runLoad, type LoadRound } from './load.js';
import { benchOptions, Recorder } from './report.js';
import { quantile } from './stats.js';

const LEVELS = [1, 16, 64, 256];
const ROUNDS = 2;
const WARMUP_MS = 300;
const SECRET = { name: 'bench-secret', value: 'sk_live_bench_value', tags: ['bench'] };

const options = benchOptions(45);
const recorder = new Recorder('gateway-scaling', options);

function summary(rounds: LoadRound[]) {
  const latencies = rounds.flatMap((r) => [...r.latencies]);
  const ok = rounds.reduce((n, r) => n + r.ok, 0);
  return {
    rps: ok / rounds.reduce((s, r) => s + r.seconds, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    n: latencies.length,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'luxkms-bench-gateway-'));
const seal = await createSoftwareSeal({ passphrase: 'bench-passphrase', salt: generateSalt() });
const gateway = await startGateway({ dataDir: join(dir, 'db'), seal, logger: false, rateLimit: { max: 100_000_000, timeWindowMs: 60_000 } });
const bare = Fastify({ logger: false });
const canned = { ...SECRET, environment: 'production', version: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
bare.get('/secret', async () => canned);
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
try {
  const auth = { authorization: `Bearer ${gateway.adminApiKey}` };
  const created = await fetch(`${gateway.url}/v1/environments/production/secrets`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(SECRET) });
  if (created.status !== 201) throw new Error(`creating the secret failed: HTTP ${created.status} ${await created.text()}`);
  const secretUrl = `${gateway.url}/v1/environments/production/secrets/${SECRET.name}`;
  const check = (await (await fetch(secretUrl, { headers: auth })).json()) as { value?: string };
  if (check.value !== SECRET.value) throw new Error('the gateway did not return the secret');

  // Per round: the budget split over levels, targets and rounds, less each round's warm-up and start-up.
  const roundMs = Math.max(500, options.budgetMs / (LEVELS.length * 2 * ROUNDS) - WARMUP_MS - 200);
  for (const concurrency of LEVELS) {
    recorder.progress(`${concurrency} concurrent clients`);
    const rounds = { bare: [] as LoadRound[], gateway: [] as LoadRound[] };
    for (let i = 0; i < ROUNDS; i++) {
      rounds.bare.push(await runLoad({ url: `${bareUrl}/secret`, concurrency, warmupMs: WARMUP_MS, durationMs: roundMs }));
      rounds.gateway.push(await runLoad({ url: secretUrl, headers: auth, concurrency, warmupMs: WARMUP_MS, durationMs: roundMs }));
    }
    const b = summary(rounds.bare);
    const g = summary(rounds.gateway);
    recorder.figure(GATEWAY.bare(concurrency), { value: b.rps, unit: 'req/s', n: b.n });
    recorder.figure(GATEWAY.bareLatency(concurrency), { value: b.p50, p99: b.p99, unit: 'ms', n: b.n });
    recorder.figure(GATEWAY.read(concurrency), { value: g.rps, unit: 'req/s', n: g.n });
    recorder.figure(GATEWAY.readLatency(concurrency), { value: g.p50, p99: g.p99, unit: 'ms', n: g.n });
    recorder.figure(GATEWAY.ratio(concurrency), { value: g.rps / b.rps, unit: '×' });
    if (b.errors + g.errors > 0) recorder.note(`${concurrency} clients: ${g.errors} gateway and ${b.errors} bare errors (${JSON.stringify([...rounds.gateway, ...rounds.bare].map((r) => r.failures))})`);
  }
  const audit = (await (await fetch(`${gateway.url}/v1/audit/verify`, { headers: auth })).json()) as { valid: boolean; records: number };
  if (!audit.valid) throw new Error('the audit chain does not verify after the run');
  recorder.note(`audit chain verified: ${audit.records} records`);
} finally {
  await bare.close();
  await gateway.close();
  await seal.close();
  await rm(dir, { recursive: true, force: true });
}
recorder.print();
