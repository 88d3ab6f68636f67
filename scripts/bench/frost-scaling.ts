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
import { schnorr_FROST } from '@noble/curves/secp256k1.js';
import type { Key } from '@noble/curves/abstract/frost.js';
import type { PartyId } from '../../protocols/errors.js';
import { frostKeygen, frostSign, type FrostKeyShare } from '../../protocols/frost/index.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import { benchOptions, Recorder } from './report.js';
import { cpuMs, median, trackPartyCpu } from './stats.js';

const COMMITTEES = [
  { signers: 2, parties: 3 },
  { signers: 3, parties: 3 },
  { signers: 5, parties: 5 },
  { signers: 7, parties: 7 },
  { signers: 9, parties: 9 },
];
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

function nobleKeys(parties: number, threshold: number): Key[] {
  const frost = schnorr_FROST;
  const ids = range(parties).map((p) => frost.Identifier.fromNumber(p));
  const round1 = ids.map((id) => frost.DKG.round1(id, { min: threshold, max: parties }));
  const others = (i: number) => round1.filter((_, j) => j !== i).map((r) => r.public);
  const round2 = round1.map((r, i) => frost.DKG.round2(r.secret, others(i)));
  return round1.map((r, i) => frost.DKG.round3(r.secret, others(i), round2.filter((_, j) => j !== i).map((out) => out[ids[i]!]!)));
}

function nobleSign(keys: Key[], signers: number): void {
  const frost = schnorr_FROST;
  const signing = keys.slice(0, signers);
  const rounds = signing.map((k) => frost.commit(k.secret));
  const list = rounds.map((r) => r.commitments);
  const shares: Record<string, Uint8Array> = {};
  signing.forEach((k, i) => (shares[k.secret.identifier] = frost.signShare(k.secret, k.public, rounds[i]!.nonces, list, MESSAGE)));
  for (const k of signing) frost.aggregate(k.public, list, MESSAGE, shares);
}

for (const [index, committee] of COMMITTEES.entries()) {
  const parties = range(committee.parties);
  const signers = parties.slice(0, committee.signers);
  const identities = new SimulatedIdentities(parties);
  const shares = ourKeys(parties, committee.signers, identities);
  const keys = nobleKeys(committee.parties, committee.signers);
  const ours: number[] = [];
  const busiest: number[] = [];
  const noble: number[] = [];
  for (let i = 0; i < 3; i++) (ourSign(shares, signers, identities), nobleSign(keys, committee.signers));
  // Each committee gets an equal share of what is left, so the last ones are not starved.
  const deadline = performance.now() + recorder.remainingMs() / (COMMITTEES.length - index);
  while (ours.length < 200 && (ours.length < 5 || performance.now() < deadline)) {
    let top = 0;
    ours.push(cpuMs(() => (top = ourSign(shares, signers, identities))));
    busiest.push(top);
    noble.push(cpuMs(() => nobleSign(keys, committee.signers)));
  }
  const label = `${committee.signers}-of-${committee.parties}`;
  const figure = { ours: median(ours), noble: median(noble) };
  recorder.figure(`ours ${label}`, { value: figure.ours, unit: 'ms', n: ours.length });
  recorder.figure(`busiest party ${label}`, { value: median(busiest), unit: 'ms', n: busiest.length });
  recorder.figure(`noble ${label}`, { value: figure.noble, unit: 'ms', n: noble.length });
  recorder.figure(`ours/noble ${label}`, { value: figure.ours / figure.noble, unit: '×' });
}
recorder.print();
