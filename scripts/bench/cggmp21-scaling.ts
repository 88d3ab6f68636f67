/**
 * CGGMP21 presign + sign cost as the quorum grows, every party in this one process with fixture primes:
 * `npx tsx scripts/bench/cggmp21-scaling.ts [--json] [--budget SECONDS]`.
 *
 * Quorums: 2 signers of a 2-of-3 key (the product default), then n-of-n for n = 3, 5, 7, 9. A presign makes about
 * n·(n−1) MtA pairs, each party proving and verifying per peer, so the total grows like n², and one party's share
 * like n. "busiest party" is the most CPU one party spent: the critical path when each party is its own process on
 * its own core. A quorum whose projected run (the last one scaled by n·(n−1)) no longer fits the remaining budget is
 * skipped and named, so the run stays bounded on a slow machine.
 */
import { PARAMS_2048 } from '../../protocols/cggmp21/params.js';
import { createPresignSession } from '../../protocols/cggmp21/presign.js';
import type { Presignature } from '../../protocols/cggmp21/presignature.js';
import type { PartyId } from '../../protocols/errors.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import { keygenShares } from '../../test/helpers/cggmp21-keygen.js';
import { runSign, testOnlyFixtureAuxInfos, type KeyMaterial } from '../../test/helpers/cggmp21-presign.js';
import { CGGMP21_SCALING, committeeLabel, SCALING_COMMITTEES } from './figures.js';
import { benchOptions, Recorder } from './report.js';
import { median, trackPartyCpu } from './stats.js';

const DIGEST = new Uint8Array(32).fill(0x5a);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const pairs = (n: number) => n * (n - 1);

const options = benchOptions(90);
const recorder = new Recorder('cggmp21-scaling', options);
let counter = 0;

/** One presign + sign; wall ms of each, and the busiest party's presign CPU. */
async function run(material: KeyMaterial, quorum: PartyId[], identities: SimulatedIdentities) {
  const sessionId = `bench-presign-${counter++}`;
  const sessions = new Map<PartyId, ProtocolSession<Presignature>>(
    quorum.map((p) => [p, createPresignSession({ share: material.shares.get(p)!, aux: material.aux.get(p)!, quorum, sessionId, auth: identities.authenticator(p) })]),
  );
  const cpu = trackPartyCpu(sessions);
  const t0 = performance.now();
  const outcome = simulate(sessions, identities);
  const t1 = performance.now();
  if (outcome.results.size !== quorum.length) throw new Error(`presign failed: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
  const signed = await runSign(outcome.results, DIGEST, { sessionId: `bench-sign-${counter++}` });
  const t2 = performance.now();
  if (signed.results.size !== quorum.length) throw new Error('signing did not complete');
  return { presign: t1 - t0, sign: t2 - t1, busiest: Math.max(...cpu.values()) };
}

const material = (q: (typeof SCALING_COMMITTEES)[number]): KeyMaterial => {
  const parties = range(q.parties);
  return { shares: keygenShares(q.signers, parties), aux: testOnlyFixtureAuxInfos(parties, PARAMS_2048) };
};

// Warm-up: the first run builds the per-modulus OpenSSL contexts (about 20 ms each, once per node and epoch).
const first = material(SCALING_COMMITTEES[0]!);
await run(first, [1, 2], new SimulatedIdentities([1, 2, 3]));

let last: { signers: number; ms: number } | undefined;
for (const [index, q] of SCALING_COMMITTEES.entries()) {
  const projected = last ? (last.ms * pairs(q.signers)) / pairs(last.signers) : 0;
  if (last && projected > recorder.remainingMs()) {
    recorder.note(`${q.signers} signers skipped: a run would take about ${(projected / 1000).toFixed(0)} s, ${(recorder.remainingMs() / 1000).toFixed(0)} s of the budget left`);
    continue;
  }
  recorder.progress(`${q.signers} signers`);
  const keys = index === 0 ? first : material(q);
  const quorum = range(q.signers);
  const identities = new SimulatedIdentities(range(q.parties));
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  // Each remaining quorum gets an equal share of the budget left, larger quorums at least one run.
  const deadline = performance.now() + recorder.remainingMs() / (SCALING_COMMITTEES.length - index) / 2;
  do runs.push(await run(keys, quorum, identities));
  while (runs.length < 15 && performance.now() < deadline);
  const label = committeeLabel(q);
  const total = median(runs.map((r) => r.presign + r.sign));
  recorder.figure(CGGMP21_SCALING.total(label), { value: total, unit: 'ms', n: runs.length });
  recorder.figure(CGGMP21_SCALING.busiest(label), { value: median(runs.map((r) => r.busiest)), unit: 'ms', n: runs.length });
  recorder.figure(CGGMP21_SCALING.sign(label), { value: median(runs.map((r) => r.sign)), unit: 'ms', n: runs.length });
  last = { signers: q.signers, ms: total };
}
recorder.print();
