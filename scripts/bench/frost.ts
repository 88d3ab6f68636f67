/**
 * FROST 2-of-3 keygen and signing through our round engine, beside the same work done by calling noble's FROST
 * directly, in one process: `npx tsx scripts/bench/frost.ts [--json] [--budget SECONDS]`.
 *
 * Both columns do the work of all parties: keygen is every party's three DKG steps; signing is two signers each
 * committing, signing and aggregating (in our protocol every signer ends with the signature, so the direct run
 * aggregates twice too). Ours adds what a real run needs: canonical encoding, Ed25519-signed envelopes, payload
 * parsing, the echo check where it applies (keygen round 1, carried on the round-2 shares; not with two signers),
 * and blame bookkeeping. The target is ours/noble ≤ 1.2. Samples alternate between the runners so load spikes hit
 * all alike (median CPU ms of this process); the "without envelope signatures" figure is a diagnostic of where the
 * difference goes, not a way to run the protocol.
 */
import { schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import type { FROST, Key } from '@noble/curves/abstract/frost.js';
import type { PartyId } from '../../protocols/errors.js';
import { frostKeygen, frostSign, type FrostKeyShare, type FrostProtocol } from '../../protocols/frost/index.js';
import { SimulatedIdentities, simulate } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import type { PartyAuthenticator } from '../../protocols/round/types.js';
import { FROST_ENGINE } from './figures.js';
import { benchOptions, Recorder } from './report.js';
import { cpuMs, median } from './stats.js';

const options = benchOptions(25);
const recorder = new Recorder('frost', options);
/** At least this many samples of each runner, however short the budget. */
const MIN_SAMPLES = 30;

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

/** Median of each runner, sampled in turn (ours, ours unsigned, noble, ours, …) after a short warm-up, until `deadline`. */
function measure(runners: (() => unknown)[], deadline: number): { medians: number[]; n: number } {
  for (let i = 0; i < 3; i++) runners.forEach((run) => run());
  const samples = runners.map((): number[] => []);
  while (samples[0]!.length < MIN_SAMPLES || performance.now() < deadline) runners.forEach((run, j) => samples[j]!.push(cpuMs(run)));
  return { medians: samples.map(median), n: samples[0]!.length };
}

const operations = [
  ['frost', secp256k1_FROST],
  ['frost-taproot', schnorr_FROST],
] as const;
for (const [index, [protocol, frost]] of operations.entries()) {
  // Two measurements per protocol, each with an equal share of the time left.
  const slice = () => recorder.remainingMs() / (2 * (operations.length - index));
  const keygen = measure([() => ourKeygen(protocol), () => ourKeygen(protocol, unauthenticated), () => nobleKeygen(frost)], performance.now() + slice());
  report(`${protocol} keygen 2-of-3`, keygen);
  const shares = ourKeygen(protocol);
  const keys = nobleKeygen(frost);
  const sign = measure([() => ourSign(shares), () => ourSign(shares, unauthenticated), () => nobleSign(frost, keys)], performance.now() + slice() / 2);
  report(`${protocol} sign 2-of-3`, sign);
}
recorder.print();

function report(operation: string, { medians: [ours, unsigned, noble], n }: { medians: number[]; n: number }): void {
  recorder.figure(FROST_ENGINE.ours(operation), { value: ours!, unit: 'ms', n });
  recorder.figure(FROST_ENGINE.noble(operation), { value: noble!, unit: 'ms', n });
  recorder.figure(FROST_ENGINE.ratio(operation), { value: ours! / noble!, unit: '×' });
  recorder.figure(FROST_ENGINE.unsignedRatio(operation), { value: unsigned! / noble!, unit: '×' });
}
