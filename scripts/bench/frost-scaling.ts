/**
 * FROST (BIP-340) signing cost as the number of signers grows, through our round engine beside noble's FROST called
 * directly, all parties in this one process: `npx tsx scripts/bench/frost-scaling.ts [--json] [--budget SECONDS]`.
 *
 * Committees: 2-of-3 (the product default) and n-of-n for n = 3, 5, 7, 9 signers. Both columns do every signer's
 * work, and every signer aggregates (each party of our protocol ends with the signature). Ours adds the canonical
 * encoding, Ed25519-signed envelopes and blame bookkeeping. "busiest party" is the most CPU one signer spent: the
 * critical path when each signer is its own process on its own core. Samples alternate between the two runners so
 * load spikes on a shared machine hit both alike; figures are CPU milliseconds of this process.
 */
import type { PartyId } from '../../protocols/errors.js';
import { frostKeygen, frostSign, type FrostKeyShare } from '../../protocols/frost/index.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import { committeeLabel, FROST_SCALING, SCALING_COMMITTEES } from './figures.js';
import { nobleFrostKeys, nobleFrostSign } from './noble-frost.js';
import { benchOptions, Recorder } from './report.js';
import { cpuMs, median, trackPartyCpu } from './stats.js';

const MESSAGE = new Uint8Array(32).fill(0x42);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const options = benchOptions(30);
const recorder = new Recorder('frost-scaling', options);
let counter = 0;

function ourKeys(parties: PartyId[], threshold: number, identities: SimulatedIdentities): Map<PartyId, FrostKeyShare> {
  const sessionId = `bench-frost-keygen-${counter++}`;
  const sessions = new Map(parties.map((self) => [self, frostKeygen({ protocol: 'frost-taproot', sessionId, self, parties, threshold, auth: identities.authenticator(self) })]));
  const outcome = simulate(sessions, identities);
  if (outcome.results.size !== parties.length) throw new Error('FROST keygen did not complete');
  return outcome.results;
}

/** Our signing run; returns the busiest signer's CPU ms. */
function ourSign(shares: Map<PartyId, FrostKeyShare>, signers: PartyId[], identities: SimulatedIdentities): number {
  const sessionId = `bench-frost-sign-${counter++}`;
  const sessions = new Map<PartyId, ProtocolSession<Uint8Array>>(
    signers.map((self) => [self, frostSign({ share: shares.get(self)!, signers, message: MESSAGE, sessionId, auth: identities.authenticator(self) })]),
  );
  const cpu = trackPartyCpu(sessions);
  const outcome = simulate(sessions, identities);
  if (outcome.results.size !== signers.length) throw new Error('FROST signing did not complete');
  return Math.max(...cpu.values());
}

for (const [index, committee] of SCALING_COMMITTEES.entries()) {
  const parties = range(committee.parties);
  const signers = parties.slice(0, committee.signers);
  const identities = new SimulatedIdentities(parties);
  const shares = ourKeys(parties, committee.signers, identities);
  const keys = nobleFrostKeys(committee.parties, committee.signers);
  const ours: number[] = [];
  const busiest: number[] = [];
  const noble: number[] = [];
  for (let i = 0; i < 3; i++) (ourSign(shares, signers, identities), nobleFrostSign(keys, committee.signers, MESSAGE));
  // Each committee gets an equal share of what is left, so the last ones are not starved.
  const deadline = performance.now() + recorder.remainingMs() / (SCALING_COMMITTEES.length - index);
  while (ours.length < 200 && (ours.length < 5 || performance.now() < deadline)) {
    let top = 0;
    ours.push(cpuMs(() => (top = ourSign(shares, signers, identities))));
    busiest.push(top);
    noble.push(cpuMs(() => nobleFrostSign(keys, committee.signers, MESSAGE)));
  }
  const label = committeeLabel(committee);
  const figure = { ours: median(ours), noble: median(noble) };
  recorder.figure(FROST_SCALING.ours(label), { value: figure.ours, unit: 'ms', n: ours.length });
  recorder.figure(FROST_SCALING.busiest(label), { value: median(busiest), unit: 'ms', n: busiest.length });
  recorder.figure(FROST_SCALING.noble(label), { value: figure.noble, unit: 'ms', n: noble.length });
  recorder.figure(FROST_SCALING.ratio(label), { value: figure.ours / figure.noble, unit: '×' });
}
recorder.print();
