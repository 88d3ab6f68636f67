/**
 * LSS reshare 2-of-3 → 3-of-5, in one process:
 * `npx tsx scripts/bench/reshare.ts [ecdsaIterations] [frostIterations] [--fixture-primes] [--ecdsa-only]`.
 *
 * ECDSA: the reshare, then CGGMP21 aux-info among the five new parties (what they need before they can presign), with
 * a warm prime pool: the Paillier primes are ready before the clock starts (a started `SafePrimePool`, or the
 * committed test primes with `--fixture-primes`, which skips minutes of generation on a loaded machine).
 * FROST (plain and Taproot): the reshare and the rebuild of the noble key packages, beside a fresh FROST DKG for the
 * same 3-of-5 committee in the same run.
 *
 * All parties run on one thread here, so "in-process" is the sum of every party's work. "Busiest party" is the most
 * CPU time any single party spent in its session (its part of the critical path when each party is its own node).
 * Compare ratios measured in one run: absolute times drift on shared machines.
 */
import { createAuxInfoSession } from '../../protocols/cggmp21/aux-info.js';
import { PARAMS_2048 } from '../../protocols/cggmp21/params.js';
import type { EcdsaKeyShare } from '../../protocols/cggmp21/types.js';
import { createKeygenSession } from '../../protocols/cggmp21/keygen.js';
import type { PartyId } from '../../protocols/errors.js';
import { frostKeygen, frostSign, type FrostKeyShare, type FrostProtocol } from '../../protocols/frost/index.js';
import { createReshareSession, ecdsaResharePlan, frostDealerSecret, frostResharePlan, toEcdsaKeyShare, toFrostKeyShare, type ResharePlan, type ReshareResult } from '../../protocols/lss/index.js';
import { SafePrimePool } from '../../protocols/math/primes.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import { SAFE_PRIMES_1024 } from '../../test/fixtures/primes.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const useFixturePrimes = process.argv.includes('--fixture-primes');
const ecdsaIterations = Number(args[0] ?? 3);
const frostIterations = Number(args[1] ?? 20);
for (const [name, value] of [['ecdsaIterations', ecdsaIterations], ['frostIterations', frostIterations]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`"${name}" expected positive integer, got ${value}`);
}

const OLD = { threshold: 2, parties: [1, 2, 3] };
const TARGET = { dealers: [1, 3], threshold: 3, parties: [1, 2, 3, 4, 5] };
const identities = new SimulatedIdentities([1, 2, 3, 4, 5]);
let counter = 0;

/** Runs sessions in the simulator, timing each party's own calls; throws unless every party finished. */
function run<R>(sessions: Map<PartyId, ProtocolSession<R>>): { results: Map<PartyId, R>; wall: number; busiest: number } {
  const cpu = new Map<PartyId, number>();
  for (const [party, session] of sessions) {
    const start = session.start.bind(session);
    const receive = session.receive.bind(session);
    const timed = <A extends unknown[], T>(f: (...a: A) => T) => (...a: A): T => {
      const t0 = performance.now();
      try {
        return f(...a);
      } finally {
        cpu.set(party, (cpu.get(party) ?? 0) + performance.now() - t0);
      }
    };
    session.start = timed(start);
    session.receive = timed(receive);
  }
  const t0 = performance.now();
  const outcome = simulate(sessions, identities);
  const wall = performance.now() - t0;
  if (outcome.results.size !== sessions.size) throw new Error(`run did not complete: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
  return { results: outcome.results, wall, busiest: Math.max(...cpu.values()) };
}

function reshareSessions(plan: ResharePlan, secrets: Map<PartyId, bigint>): Map<PartyId, ProtocolSession<ReshareResult>> {
  const sessionId = `bench-reshare-${counter++}`;
  return new Map(
    plan.participants.map((self) => [
      self,
      createReshareSession({ plan, sessionId, self, auth: identities.authenticator(self), ...(plan.dealers.includes(self) ? { secretShare: secrets.get(self)! } : {}) }),
    ]),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (x: number) => Number(x.toFixed(1));

/** Every prime pair the runs need, ready before any clock starts (and no generation left running in the background). */
async function readyPrimes(pairs: number): Promise<(readonly [bigint, bigint])[]> {
  if (useFixturePrimes) {
    // Reused across runs (each run is independent); the five parties of one run always get five distinct pairs.
    return Array.from({ length: pairs }, (_, i) => SAFE_PRIMES_1024[i % SAFE_PRIMES_1024.length]!);
  }
  const pool = new SafePrimePool({ modulusBits: [2048], targetPairs: pairs, concurrency: 2 });
  const t0 = performance.now();
  pool.start();
  while (pool.size(2048) < pairs) await new Promise((resolve) => setTimeout(resolve, 200));
  const taken = await Promise.all(Array.from({ length: pairs }, () => pool.take(2048)));
  await pool.stop();
  console.log(`prime pool warmed: ${pairs} pairs of 1024-bit safe primes in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted)`);
  return taken;
}

async function benchEcdsa(): Promise<void> {
  const keygenId = `bench-kg-${counter++}`;
  const keygen = run(
    new Map(OLD.parties.map((self) => [self, createKeygenSession({ sessionId: keygenId, self, parties: OLD.parties, threshold: OLD.threshold, auth: identities.authenticator(self) })])),
  ).results;
  const pairs = await readyPrimes(TARGET.parties.length * ecdsaIterations);
  const rows = { reshare: [] as number[], reshareBusiest: [] as number[], aux: [] as number[], auxBusiest: [] as number[], total: [] as number[] };
  for (let i = 0; i < ecdsaIterations; i++) {
    const primes = new Map<PartyId, readonly [bigint, bigint]>();
    for (const p of TARGET.parties) primes.set(p, pairs.pop()!);
    const plan = ecdsaResharePlan(keygen.get(1)!, TARGET);
    const reshare = run(reshareSessions(plan, new Map(TARGET.dealers.map((d) => [d, keygen.get(d)!.secretShare]))));
    const shares = new Map<PartyId, EcdsaKeyShare>(TARGET.parties.map((p) => [p, toEcdsaKeyShare(reshare.results.get(p)!)]));
    const key = { threshold: TARGET.threshold, publicKey: plan.publicKey, generation: plan.generation + 1 };
    const sessionId = `bench-aux-${counter++}`;
    const aux = run(
      new Map(
        TARGET.parties.map((self) => [
          self,
          createAuxInfoSession({ sessionId, self, parties: TARGET.parties, params: PARAMS_2048, primes: primes.get(self)!, auth: identities.authenticator(self), key }),
        ]),
      ),
    );
    if (shares.size !== 5 || aux.results.size !== 5) throw new Error('ECDSA reshare incomplete');
    rows.reshare.push(reshare.wall);
    rows.reshareBusiest.push(reshare.busiest);
    rows.aux.push(aux.wall);
    rows.auxBusiest.push(aux.busiest);
    rows.total.push(reshare.wall + aux.wall);
  }
  console.log(`\nECDSA (CGGMP21) 2-of-3 → 3-of-5, ${PARAMS_2048.name}, ${useFixturePrimes ? 'fixture primes' : 'warm prime pool'}, ${ecdsaIterations} runs, median ms:`);
  console.table({
    'reshare (LSS)': { 'in-process': ms(median(rows.reshare)), 'busiest party': ms(median(rows.reshareBusiest)) },
    'aux-info, 5 new parties': { 'in-process': ms(median(rows.aux)), 'busiest party': ms(median(rows.auxBusiest)) },
    'reshare + aux': { 'in-process': ms(median(rows.total)), 'busiest party': ms(median(rows.reshareBusiest) + median(rows.auxBusiest)) },
  });
  console.log('target: reshare + aux ≤ 5000 ms across processes');
}

function benchFrost(protocol: FrostProtocol): Record<string, number> {
  const dkg = (parties: number[], threshold: number) => {
    const sessionId = `bench-fkg-${counter++}`;
    return run(new Map(parties.map((self) => [self, frostKeygen({ protocol, sessionId, self, parties, threshold, auth: identities.authenticator(self) })])));
  };
  const old = dkg(OLD.parties, OLD.threshold).results;
  const reshareTimes: number[] = [];
  const busiest: number[] = [];
  const dkgTimes: number[] = [];
  let next = new Map<PartyId, FrostKeyShare>();
  for (let i = 0; i < frostIterations; i++) {
    const t0 = performance.now();
    const plan = frostResharePlan(old.get(1)!, TARGET);
    const reshare = run(reshareSessions(plan, new Map(TARGET.dealers.map((d) => [d, frostDealerSecret(old.get(d)!)]))));
    next = new Map(TARGET.parties.map((p) => [p, toFrostKeyShare(reshare.results.get(p)!)]));
    reshareTimes.push(performance.now() - t0);
    busiest.push(reshare.busiest);
    dkgTimes.push(dkg(TARGET.parties, TARGET.threshold).wall);
  }
  // The last reshare's shares must sign under the original key.
  const signers = [2, 4, 5];
  const sessionId = `bench-fsign-${counter++}`;
  const message = new Uint8Array(32).fill(1);
  const signed = run(new Map(signers.map((self) => [self, frostSign({ share: next.get(self)!, signers, message, sessionId, auth: identities.authenticator(self) })])));
  if (signed.results.size !== 3 || Buffer.compare(next.get(2)!.publicKey, old.get(1)!.publicKey) !== 0) throw new Error('FROST reshare broke the key');
  return {
    'reshare + key packages (in-process)': ms(median(reshareTimes)),
    'reshare, busiest party': ms(median(busiest)),
    'fresh 3-of-5 DKG (in-process)': ms(median(dkgTimes)),
    'reshare / DKG': Number((median(reshareTimes) / median(dkgTimes)).toFixed(2)),
  };
}

const ecdsaOnly = process.argv.includes('--ecdsa-only');
if (!ecdsaOnly) {
  console.log(`FROST 2-of-3 → 3-of-5, ${frostIterations} runs, median ms:`);
  console.table({ frost: benchFrost('frost'), 'frost-taproot': benchFrost('frost-taproot') });
}
await benchEcdsa();
