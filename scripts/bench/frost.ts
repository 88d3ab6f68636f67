/**
 * FROST 2-of-3 keygen and signing through our round engine, beside the same work done by calling noble's FROST
 * directly, in one process: `npx tsx scripts/bench/frost.ts [iterations]`.
 *
 * Both columns do the work of all parties: keygen is every party's three DKG steps; signing is two signers each
 * committing, signing and aggregating (in our protocol every signer ends with the signature, so the direct run
 * aggregates twice too). Ours adds what a real run needs: canonical encoding, Ed25519-signed envelopes, payload
 * parsing, the echo check where it applies (keygen round 1; not with two signers), and blame bookkeeping.
 * The target is ours/noble ≤ 1.2. Samples alternate between the runners so load spikes hit all alike; the last
 * column (envelopes unsigned) is a diagnostic of where the difference goes, not a way to run the protocol.
 */
import { schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import type { FROST, Key } from '@noble/curves/abstract/frost.js';
import type { PartyId } from '../../protocols/errors.js';
import { frostKeygen, frostSign, type FrostKeyShare, type FrostProtocol } from '../../protocols/frost/index.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import type { PartyAuthenticator } from '../../protocols/round/types.js';
import { cpuMs } from './stats.js';

const iterations = Number(process.argv[2] ?? 30);
if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`"iterations" expected positive integer, got ${process.argv[2]}`);

const PARTIES: PartyId[] = [1, 2, 3];
const SIGNERS: PartyId[] = [1, 2];
const THRESHOLD = 2;
const MESSAGE = new Uint8Array(32).fill(0x42);
const identities = new SimulatedIdentities(PARTIES);
/** Diagnostic only: envelopes signed with nothing, to show how much of the difference is envelope authentication. */
const unauthenticated = { authenticator: (): PartyAuthenticator => ({ sign: () => Uint8Array.of(1), verify: () => true }) };
let sessionCounter = 0;

function ourKeygen(protocol: FrostProtocol, ids: Pick<SimulatedIdentities, 'authenticator'> = identities): Map<PartyId, FrostKeyShare> {
  const sessionId = `bench-keygen-${sessionCounter++}`;
  const sessions = new Map<PartyId, ProtocolSession<FrostKeyShare>>();
  for (const self of PARTIES) {
    sessions.set(self, frostKeygen({ protocol, sessionId, self, parties: PARTIES, threshold: THRESHOLD, auth: ids.authenticator(self) }));
  }
  const outcome = simulate(sessions, identities);
  if (outcome.results.size !== PARTIES.length) throw new Error('keygen did not complete');
  return outcome.results;
}

function ourSign(shares: Map<PartyId, FrostKeyShare>, ids: Pick<SimulatedIdentities, 'authenticator'> = identities): Uint8Array {
  const sessionId = `bench-sign-${sessionCounter++}`;
  const sessions = new Map<PartyId, ProtocolSession<Uint8Array>>();
  for (const self of SIGNERS) {
    sessions.set(self, frostSign({ share: shares.get(self)!, signers: SIGNERS, message: MESSAGE, sessionId, auth: ids.authenticator(self) }));
  }
  const outcome = simulate(sessions, identities);
  if (outcome.results.size !== SIGNERS.length) throw new Error('signing did not complete');
  return outcome.results.get(1)!;
}

function nobleKeygen(frost: FROST): Key[] {
  const ids = PARTIES.map((p) => frost.Identifier.fromNumber(p));
  const signers = { min: THRESHOLD, max: PARTIES.length };
  const round1 = ids.map((id) => frost.DKG.round1(id, signers));
  const others = (i: number) => round1.filter((_, j) => j !== i).map((r) => r.public);
  const round2 = round1.map((r, i) => frost.DKG.round2(r.secret, others(i)));
  return round1.map((r, i) => frost.DKG.round3(r.secret, others(i), round2.filter((_, j) => j !== i).map((out) => out[ids[i]!]!)));
}

function nobleSign(frost: FROST, keys: Key[]): Uint8Array {
  const signing = SIGNERS.map((p) => keys[p - 1]!);
  const rounds = signing.map((k) => frost.commit(k.secret));
  const list = rounds.map((r) => r.commitments);
  const shares: Record<string, Uint8Array> = {};
  signing.forEach((k, i) => (shares[k.secret.identifier] = frost.signShare(k.secret, k.public, rounds[i]!.nonces, list, MESSAGE)));
  let signature: Uint8Array | undefined;
  for (const k of signing) signature = frost.aggregate(k.public, list, MESSAGE, shares);
  return signature!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median of each runner, sampled in turn (ours, ours unsigned, noble, ours, …) after a short warm-up. */
function measure(runners: (() => unknown)[]): number[] {
  for (let i = 0; i < 3; i++) runners.forEach((run) => run());
  const samples = runners.map((): number[] => []);
  for (let i = 0; i < iterations; i++) runners.forEach((run, j) => samples[j]!.push(cpuMs(run)));
  return samples.map(median);
}

const rows: { name: string; ours: number; unsigned: number; noble: number }[] = [];
for (const [protocol, frost] of [
  ['frost', secp256k1_FROST],
  ['frost-taproot', schnorr_FROST],
] as const) {
  const [keygenOurs, keygenUnsigned, keygenNoble] = measure([() => ourKeygen(protocol), () => ourKeygen(protocol, unauthenticated), () => nobleKeygen(frost)]);
  rows.push({ name: `${protocol} keygen 2-of-3`, ours: keygenOurs!, unsigned: keygenUnsigned!, noble: keygenNoble! });
  const shares = ourKeygen(protocol);
  const keys = nobleKeygen(frost);
  const [signOurs, signUnsigned, signNoble] = measure([() => ourSign(shares), () => ourSign(shares, unauthenticated), () => nobleSign(frost, keys)]);
  rows.push({ name: `${protocol} sign 2-of-3`, ours: signOurs!, unsigned: signUnsigned!, noble: signNoble! });
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`FROST through the round engine vs noble directly (median CPU ms of ${iterations}, all parties in one process)`);
console.log(`${pad('operation', 28)}${pad('ours', 9)}${pad('noble', 9)}${pad('ratio', 8)}ratio without envelope signatures (diagnostic)`);
for (const r of rows) {
  console.log(`${pad(r.name, 28)}${pad(r.ours.toFixed(1), 9)}${pad(r.noble.toFixed(1), 9)}${pad((r.ours / r.noble).toFixed(2), 8)}${(r.unsigned / r.noble).toFixed(2)}`);
}
