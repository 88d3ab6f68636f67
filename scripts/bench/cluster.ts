/**
 * The cluster targets, on a real testnet of node processes over libp2p on 127.0.0.1:
 * `npx tsx scripts/bench/cluster.ts [--json] [--budget SECONDS] [--profile DIR]`.
 *
 * Five node processes (node 1 also runs the gateway): the 2-of-3 keys live on nodes 1–3, nodes 4 and 5 only join
 * the reshare to 3-of-5. In order, each phase waiting for the cluster's background work (prime pools, presignature
 * pools) to settle first, so a figure measures its own operation rather than a refill running beside it:
 *   1. CGGMP21 keygen + aux info, warm prime pool, through the gateway (creating a threshold ECDSA key);
 *   2. FROST/BIP-340 sign across processes, alternating with noble's FROST in this process;
 *   3. ECDSA sign from a warm presignature pool through the gateway, alternating with a single-party noble sign;
 *   4. ECDSA presign + sign without a pool (a quorum the pool does not cover: nodes 2 and 3);
 *   5. sustained signing through the gateway by 8 concurrent clients, the pool refilling as it can;
 *   6. a second keygen + aux (control API) when the budget allows;
 *   7. LSS reshare 2-of-3 → 3-of-5 with aux info for the new committee.
 * Beside wall times, each ceremony's CPU is read per node process from the kernel: on a shared machine the wall
 * time counts the neighbours too, the CPU does not. "Busiest node" CPU is the critical path when each node has a
 * core of its own. `--profile DIR` makes every node write a V8 CPU profile there when it stops, beside windows.json
(when each phase's operations ran), so `profile-top.ts DIR --merge --windows DIR/windows.json --phase pooled-sign`
shows where one kind of operation spends its time across all nodes.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { BenchCluster } from './cluster-harness.js';
import { CLUSTER } from './figures.js';
import { runLoad } from './load.js';
import { nobleFrostKeys, nobleFrostSign } from './noble-frost.js';
import { benchOptions, Recorder } from './report.js';
import { median, quantile, sampleWithin } from './stats.js';

const ALL = [1, 2, 3, 4, 5];
const COMMITTEE = [1, 2, 3];
/** The nodes' default presignature pool target per quorum (node config `presignPoolTarget`). */
const POOL_TARGET = 4;
const SUSTAINED_CLIENTS = 8;
const WALLET = 'bench-wallet';
const PROFILE_HOOK = fileURLToPath(new URL('./cpu-profile-hook.mjs', import.meta.url));

const options = benchOptions(330);
const profileAt = options.rest.indexOf('--profile');
const profileDir = profileAt >= 0 ? resolve(options.rest[profileAt + 1] ?? 'profiles') : undefined;
const recorder = new Recorder('cluster', options);
let cluster: BenchCluster | undefined;
recorder.printOnTerminate(async () => void (await cluster?.stop()));

/** With `--profile`: per phase, the monotonic-clock intervals (µs) its operations ran in, for `profile-top.ts --windows`. */
const windows: Record<string, [number, number][]> = {};
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Runs one operation and remembers when, so a profile can be cut down to it. */
async function timed<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const from = nowUs();
  try {
    return await run();
  } finally {
    (windows[phase] ??= []).push([from, nowUs()]);
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const since = (t0: number) => performance.now() - t0;

/** Waits (bounded) for background work to finish; notes it when it did not, since the next figure then includes it. */
async function settle(what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  if (!(await cluster!.until(ready, Math.min(timeoutMs, recorder.remainingMs() - 30_000)))) recorder.note(`${what}: not settled after ${(since(t0) / 1000).toFixed(0)} s; measured anyway`);
  else recorder.progress(`${what}: settled in ${(since(t0) / 1000).toFixed(1)} s`);
}

const primesReady = (ids: number[]) => async () => (await cluster!.primePairs(ids)).every((n) => n >= 1);
/** Every CGGMP21 key made so far: each has a presignature pool that the nodes refill in the background. */
const ecdsaKeys: string[] = [];
/**
 * Each node pools presignatures for its own default quorum and reports how many it can sign with: every node full
 * means no refill is running in the background while a figure is taken.
 */
async function poolsFull(): Promise<boolean> {
  for (const keyId of ecdsaKeys) {
    for (const id of COMMITTEE) if ((await cluster!.presignatures(id, keyId)) < POOL_TARGET) return false;
  }
  return true;
}

async function keygenThroughGateway(): Promise<{ keyId: string; publicKey: string }> {
  const before = cluster!.cpu(COMMITTEE);
  const t0 = performance.now();
  await timed('keygen', () =>
    cluster!.gateway('POST', '/v1/environments/production/keys', {
      keyId: WALLET,
      type: 'ECDSA_SECP256K1',
      usage: ['sign', 'verify'],
      protection: 'threshold',
      threshold: { threshold: 2, parties: COMMITTEE },
    }),
  );
  const wall = since(t0);
  const cpu = cluster!.spentSince(before);
  const { keys } = await cluster!.call<{ keys: { keyId: string; protocol: string; publicKey: string }[] }>(1, 'GET', '/v1/keys');
  const key = keys.find((k) => k.protocol === 'cggmp21');
  if (!key) throw new Error('the gateway created its threshold key, but no node lists a cggmp21 key');
  keygens.push({ wall, ...cpu });
  ecdsaKeys.push(key.keyId);
  return key;
}

async function keygenThroughControl(): Promise<{ keyId: string; publicKey: string }> {
  const before = cluster!.cpu(COMMITTEE);
  const t0 = performance.now();
  const key = await timed('keygen', () => cluster!.call<{ keyId: string; publicKey: string }>(1, 'POST', '/v1/keygen', { protocol: 'cggmp21', threshold: 2, parties: COMMITTEE }));
  keygens.push({ wall: since(t0), ...cluster!.spentSince(before) });
  ecdsaKeys.push(key.keyId);
  return key;
}

const keygens: { wall: number; total: number; busiest: number }[] = [];

function recordKeygens(): void {
  recorder.figure(CLUSTER.keygen, { value: median(keygens.map((k) => k.wall)), unit: 'ms', n: keygens.length, note: keygens.map((k) => k.wall.toFixed(0)).join(', ') + ' ms' });
  recorder.figure(CLUSTER.keygenCpu, { value: median(keygens.map((k) => k.total)), unit: 'ms', n: keygens.length });
  recorder.figure(CLUSTER.keygenBusiest, { value: median(keygens.map((k) => k.busiest)), unit: 'ms', n: keygens.length });
}

async function frostPhase(): Promise<void> {
  // The ECDSA keygen before this phase starts presignature-pool and prime-pool refills on every node: let them end,
  // or FROST signing is timed against Paillier work running beside it.
  await settle('presignature pool refill', poolsFull, 90_000);
  await settle('prime pools', primesReady(COMMITTEE), 60_000);
  const t0 = performance.now();
  const key = await cluster!.call<{ keyId: string; publicKey: string }>(1, 'POST', '/v1/keygen', { protocol: 'frost-taproot', threshold: 2, parties: COMMITTEE });
  recorder.figure(CLUSTER.frostKeygen, { value: since(t0), unit: 'ms', n: 1 });
  const nobleKeys = nobleFrostKeys(3, 2);
  const ours: number[] = [];
  const noble: number[] = [];
  await sampleWithin({ warmup: 2, min: 5, max: 40, budgetMs: 20_000 }, async (i) => {
    const digest = randomBytes(32);
    const n0 = performance.now();
    nobleFrostSign(nobleKeys, 2, digest);
    const nobleMs = since(n0);
    const t1 = performance.now();
    const signed = await timed('frost-sign', () => cluster!.call<{ signature: string }>(1, 'POST', '/v1/sign', { keyId: key.keyId, hash: hex(digest) }));
    const oursMs = since(t1);
    if (i === 0 && !schnorr.verify(Buffer.from(signed.signature, 'hex'), digest, Buffer.from(key.publicKey, 'hex'))) throw new Error('the cluster returned a BIP-340 signature that does not verify');
    if (i >= 0) (ours.push(oursMs), noble.push(nobleMs));
    return oursMs;
  });
  recorder.figure(CLUSTER.frostSign, { value: median(ours), p99: quantile(ours, 0.99), unit: 'ms', n: ours.length });
  recorder.figure(CLUSTER.nobleFrostSign, { value: median(noble), p99: quantile(noble, 0.99), unit: 'ms', n: noble.length });
}

async function pooledPhase(keyId: string, publicKey: string, viaGateway: boolean): Promise<void> {
  const secret = secp256k1.utils.randomSecretKey();
  for (let i = 0; i < 50; i++) secp256k1.sign(randomBytes(32), secret, { prehash: false }); // JIT warm-up
  const sign = async (digest: Uint8Array): Promise<string> =>
    viaGateway
      ? (await cluster!.gateway<{ signature: string }>('POST', `/v1/environments/production/keys/${WALLET}/sign`, { message: Buffer.from(digest).toString('base64'), messageType: 'DIGEST' })).signature
      : (await cluster!.call<{ signature: string }>(1, 'POST', '/v1/sign', { keyId, hash: hex(digest) })).signature;
  const pooled: number[] = [];
  const noble: number[] = [];
  const cpuPerSignature: number[] = [];
  let warm = false;
  const deadline = performance.now() + Math.min(60_000, recorder.remainingMs() / 3);
  while (pooled.length < 20 && (pooled.length < 4 || performance.now() < deadline)) {
    // Take only presignatures the pool holds now; waiting between batches keeps every request on the pooled path.
    await settle('presignature pool refill', poolsFull, 90_000);
    const batch = Math.min(POOL_TARGET, await cluster!.presignatures(1, keyId));
    if (batch === 0) break;
    const before = cluster!.cpu(COMMITTEE);
    for (let i = 0; i < batch; i++) {
      const digest = randomBytes(32);
      const n0 = performance.now();
      secp256k1.sign(digest, secret, { prehash: false });
      const nobleMs = since(n0);
      const t0 = performance.now();
      const signature = await timed('pooled-sign', () => sign(digest));
      const ms = since(t0);
      if (!warm) {
        if (!secp256k1.verify(Buffer.from(signature, 'hex'), digest, Buffer.from(publicKey, 'hex'), { prehash: false })) throw new Error('the cluster returned an ECDSA signature that does not verify');
        warm = true; // the first request warms the path up (connections, caches, JIT) and is not counted
        continue;
      }
      pooled.push(ms);
      noble.push(nobleMs);
    }
    cpuPerSignature.push(cluster!.spentSince(before).total / batch);
  }
  recorder.figure(CLUSTER.pooledSign, { value: median(pooled), p99: quantile(pooled, 0.99), unit: 'ms', n: pooled.length, note: viaGateway ? 'through the gateway' : 'through node 1 control API' });
  recorder.figure(CLUSTER.pooledSignCpu, { value: median(cpuPerSignature), unit: 'ms', n: cpuPerSignature.length });
  recorder.figure(CLUSTER.nobleSign, { value: median(noble), p99: quantile(noble, 0.99), unit: 'ms', n: noble.length });
}

async function noPoolPhase(keyId: string): Promise<number> {
  await settle('presignature pool refill', poolsFull, 90_000);
  const walls: number[] = [];
  const cpus: { total: number; busiest: number }[] = [];
  await sampleWithin({ warmup: 1, min: 3, max: 10, budgetMs: Math.min(40_000, recorder.remainingMs() / 4) }, async (i) => {
    const before = cluster!.cpu([2, 3]);
    const t0 = performance.now();
    // No node pools presignatures for quorum {2,3}: node 2's pool serves {1,2}, node 3's {1,3}.
    await timed('no-pool-sign', () => cluster!.call(2, 'POST', '/v1/sign', { keyId, hash: hex(randomBytes(32)), signers: [2, 3] }));
    const wall = since(t0);
    if (i >= 0) (walls.push(wall), cpus.push(cluster!.spentSince(before)));
    return wall;
  });
  recorder.figure(CLUSTER.noPoolSign, { value: median(walls), p99: quantile(walls, 0.99), unit: 'ms', n: walls.length });
  const total = median(cpus.map((c) => c.total));
  recorder.figure(CLUSTER.noPoolSignCpu, { value: total, unit: 'ms', n: cpus.length });
  recorder.figure(CLUSTER.noPoolSignBusiest, { value: median(cpus.map((c) => c.busiest)), unit: 'ms', n: cpus.length });
  return total;
}

async function sustainedPhase(keyId: string, cpuPerSignature: number, viaGateway: boolean): Promise<void> {
  await settle('presignature pool refill', poolsFull, 90_000);
  const body = viaGateway
    ? JSON.stringify({ message: randomBytes(32).toString('base64'), messageType: 'DIGEST' })
    : JSON.stringify({ keyId, hash: hex(randomBytes(32)) });
  const node1 = cluster!.endpoints.find((e) => e.id === 1)!;
  const round = await runLoad({
    url: viaGateway ? `${cluster!.file.gatewayUrl}/v1/environments/production/keys/${WALLET}/sign` : `${node1.controlUrl}/v1/sign`,
    method: 'POST',
    headers: { authorization: `Bearer ${viaGateway ? cluster!.file.apiKey : node1.token}`, 'content-type': 'application/json' },
    body,
    concurrency: SUSTAINED_CLIENTS,
    // The warm-up drains the pool, so the window measures the steady state: a presignature made for each signature.
    warmupMs: 3_000,
    durationMs: Math.max(5_000, Math.min(20_000, recorder.remainingMs() / 6)),
  });
  recorder.figure(CLUSTER.sustained, { value: round.ok / round.seconds, unit: 'sig/s', n: round.ok, note: `${SUSTAINED_CLIENTS} clients, ${round.seconds.toFixed(0)} s, ${round.errors} errors` });
  if (round.errors > 0) recorder.note(`sustained signing: failed requests by status ${JSON.stringify(round.failures)}, e.g. ${round.sampleFailure ?? 'no body'}`);
  const latencies = [...round.latencies];
  recorder.figure(CLUSTER.sustainedLatency, { value: median(latencies), p99: quantile(latencies, 0.99), unit: 'ms', n: latencies.length });
  // Every steady-state signature needs a presignature made for it: the machine's cores bound the rate.
  recorder.figure(CLUSTER.sustainedCeiling, { value: (availableParallelism() * 1000) / cpuPerSignature, unit: 'sig/s', note: `${availableParallelism()} cores / CPU of one presign+sign` });
}

async function resharePhase(keyId: string, publicKey: string): Promise<void> {
  await settle('prime pools on all five nodes', primesReady(ALL), 120_000);
  await settle('presignature pool refill', poolsFull, 60_000);
  const before = cluster!.cpu(ALL);
  const t0 = performance.now();
  const result = await timed('reshare', () => cluster!.call<{ publicKey: string; threshold: number; parties: number[] }>(1, 'POST', '/v1/reshare', { keyId, parties: ALL, threshold: 3 }));
  const wall = since(t0);
  if (result.publicKey !== publicKey || result.threshold !== 3) throw new Error('the reshare changed the public key or the threshold');
  const cpu = cluster!.spentSince(before);
  recorder.figure(CLUSTER.reshare, { value: wall, unit: 'ms', n: 1 });
  recorder.figure(CLUSTER.reshareCpu, { value: cpu.total, unit: 'ms', n: 1 });
  recorder.figure(CLUSTER.reshareBusiest, { value: cpu.busiest, unit: 'ms', n: 1 });
}

recorder.progress('starting 5 node processes');
const started = performance.now();
cluster = await BenchCluster.start(ALL.length, {
  roundTimeoutMs: 120_000,
  log: (line) => /error|warn|exited/i.test(line) && recorder.progress(line),
  ...(profileDir ? { env: { NODE_OPTIONS: `--import ${PROFILE_HOOK}`, LUXKMS_BENCH_PROFILE_DIR: profileDir } } : {}),
});
try {
  recorder.note(`testnet of ${ALL.length} node processes ready in ${(since(started) / 1000).toFixed(0)} s; 2-of-3 keys on nodes 1-3, nodes 4-5 join for the reshare`);
  await settle('prime pools', primesReady(ALL), 120_000);

  recorder.progress('keygen + aux');
  let viaGateway = true;
  let key: { keyId: string; publicKey: string };
  try {
    key = await keygenThroughGateway();
  } catch (e) {
    recorder.note(`gateway threshold key refused (${(e as Error).message}); keygen and signing go through the control API`);
    viaGateway = false;
    key = await keygenThroughControl();
  }
  recorder.progress('FROST');
  await frostPhase();
  recorder.progress('ECDSA sign, warm pool');
  await pooledPhase(key.keyId, key.publicKey, viaGateway);
  recorder.progress('ECDSA sign, no pool');
  const cpuPerSignature = await noPoolPhase(key.keyId);
  recorder.progress('sustained signing');
  await sustainedPhase(key.keyId, cpuPerSignature, viaGateway);
  // A second keygen when what is left covers it, the pools settling around it, and the reshare (about 5 keygens).
  const keygenMs = keygens[0]!.wall;
  if (recorder.remainingMs() > 7 * keygenMs + 90_000) {
    recorder.progress('second keygen + aux');
    await settle('presignature pool refill', poolsFull, 60_000);
    await settle('prime pools', primesReady(COMMITTEE), 60_000);
    await keygenThroughControl();
    await settle('presignature pool of the second key', poolsFull, 60_000);
  } else recorder.note('one keygen only: the budget left was kept for the reshare');
  recordKeygens();
  recorder.progress('reshare 2-of-3 → 3-of-5');
  await resharePhase(key.keyId, key.publicKey);
} finally {
  await cluster.stop();
  if (profileDir) await writeFile(join(profileDir, 'windows.json'), JSON.stringify(windows));
}
recorder.print();
