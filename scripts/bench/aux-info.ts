/**
 * CGGMP21 aux-info for n = 3 in one process, every party simulated in turn:
 * `npx tsx scripts/bench/aux-info.ts [iterations] [--primes]`.
 *
 * Table 1: the whole protocol with fixture primes (prime generation excluded). "total" is the CPU of all three
 * parties one after the other; with one process per node the parties run in parallel, so a real run's wall time is
 * close to total / 3 plus the network.
 * Table 2: the operations that make it up, measured alone (one party proves each once and verifies each n−1 times).
 * With `--primes`: each party also draws two fresh 1024-bit safe primes (OpenSSL, libuv thread pool) first, as a node
 * with an empty pool would; that wall time is reported apart and added to one run.
 */
import { auxInfoSid, createAuxInfoSession } from '../../protocols/cggmp21/aux-info.js';
import { PARAMS_2048 } from '../../protocols/cggmp21/params.js';
import { getModPowBackend } from '../../protocols/math/modpow.js';
import { generateSafePrime } from '../../protocols/math/primes.js';
import { RingPedersenSecret } from '../../protocols/math/ring-pedersen.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import { proveFac, verifyFac } from '../../protocols/zk/fac.js';
import { proveMod, verifyMod } from '../../protocols/zk/mod.js';
import { provePrm, verifyPrm } from '../../protocols/zk/prm.js';
import type { ProofContext } from '../../protocols/zk/proof.js';
import { fixturePaillierKey, SAFE_PRIMES_1024, type PrimePair } from '../../test/fixtures/primes.js';
import { median, wallMs } from './stats.js';

const args = process.argv.slice(2);
const withPrimes = args.includes('--primes');
const iterations = Number(args.find((a) => !a.startsWith('--')) ?? 3);
if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`"iterations" expected positive integer, got ${iterations}`);

const params = PARAMS_2048;
const parties = [1, 2, 3];
const identities = new SimulatedIdentities(parties);

function runAuxInfo(primes: readonly PrimePair[], sessionId: string): void {
  const sessions = new Map(
    parties.map((self, i) => [self, createAuxInfoSession({ sessionId, self, parties, params, primes: primes[i]!, auth: identities.authenticator(self) })]),
  );
  const outcome = simulate(sessions, identities);
  if (outcome.results.size !== parties.length) throw new Error(`aux-info failed: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
}

console.log(`aux-info, n = 3, ${params.name}, m = ${params.iterations}, modPow backend: ${getModPowBackend()}`);
// Warm-up: builds the per-modulus OpenSSL contexts once, as a node does once per epoch.
runAuxInfo(SAFE_PRIMES_1024.slice(0, 3), 'bench-warm');
const totals: number[] = [];
for (let i = 0; i < iterations; i++) totals.push(wallMs(() => runAuxInfo(SAFE_PRIMES_1024.slice(0, 3), `bench-${i}`)));
console.log('\n| protocol (fixture primes) | median ms | min ms |');
console.log('|---|---|---|');
console.log(`| total, 3 parties in turn | ${median(totals).toFixed(0)} | ${Math.min(...totals).toFixed(0)} |`);
console.log(`| per party (total / 3) | ${(median(totals) / 3).toFixed(0)} | ${(Math.min(...totals) / 3).toFixed(0)} |`);

const key = fixturePaillierKey(0);
const peerRp = RingPedersenSecret.generate(fixturePaillierKey(1));
const ctx: ProofContext = { phase: 'aux/bench', sessionId: auxInfoSid('bench', parties, params), prover: 1, rho: new Uint8Array(32) };
const rows: [string, number, number][] = [];
function op(name: string, perParty: number, fn: () => void): void {
  const samples = Array.from({ length: iterations }, () => wallMs(fn));
  rows.push([name, median(samples), perParty]);
}
let rp = RingPedersenSecret.generate(key);
op('ring-Pedersen generate (s, t, λ)', 1, () => (rp = RingPedersenSecret.generate(key)));
let prm = provePrm(ctx, rp.params, { lambda: rp.lambda, trapdoor: key }, params);
op('Π^prm prove', 1, () => (prm = provePrm(ctx, rp.params, { lambda: rp.lambda, trapdoor: key }, params)));
op('Π^prm verify', parties.length - 1, () => void verifyPrm(ctx, rp.params, prm, params));
let mod = proveMod(ctx, { N: key.N }, key, params);
op('Π^mod prove', 1, () => (mod = proveMod(ctx, { N: key.N }, key, params)));
op('Π^mod verify', parties.length - 1, () => void verifyMod(ctx, { N: key.N }, mod, params));
let fac = proveFac(ctx, { N0: key.N, verifier: peerRp.params }, key, params);
op('Π^fac prove (per verifier)', parties.length - 1, () => (fac = proveFac(ctx, { N0: key.N, verifier: peerRp.params }, key, params)));
op('Π^fac verify (own R, CRT)', parties.length - 1, () => void verifyFac(ctx, { N0: key.N, verifier: peerRp }, fac, params));
console.log('\n| operation | median ms | times per party | ms per party |');
console.log('|---|---|---|---|');
for (const [name, ms, count] of rows) console.log(`| ${name} | ${ms.toFixed(1)} | ${count} | ${(ms * count).toFixed(0)} |`);
console.log(`| sum | | | ${rows.reduce((a, [, ms, count]) => a + ms * count, 0).toFixed(0)} |`);

if (withPrimes) {
  const t0 = performance.now();
  const fresh = await Promise.all(
    parties.map(async (): Promise<PrimePair> => {
      // Each node draws its own pair; bit-length and distinctness checks are the pool's job, repeated here.
      for (;;) {
        const [p, q] = await Promise.all([generateSafePrime(1024), generateSafePrime(1024)]);
        if (p !== q && (p * q).toString(2).length === 2048) return [p, q];
      }
    }),
  );
  const primeMs = performance.now() - t0;
  const protocolMs = wallMs(() => runAuxInfo(fresh, 'bench-fresh'));
  console.log('\n| with prime generation | ms |');
  console.log('|---|---|');
  console.log(`| 6 safe primes of 1024 bits, 3 nodes' pairs concurrently (wall) | ${primeMs.toFixed(0)} |`);
  console.log(`| aux-info with those primes (3 parties in turn) | ${protocolMs.toFixed(0)} |`);
  console.log(`| total | ${(primeMs + protocolMs).toFixed(0)} |`);
}
