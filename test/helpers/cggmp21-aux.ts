/**
 * Test helpers for aux-info and refresh: run a committee in the simulator with fixture primes, tamper with one
 * party's messages, and build the crafted moduli of the attack tests (BitForge).
 */
import { expect } from 'vitest';
import { AuxExchange, auxInfoSid, createAuxInfoSession, type AuxReveal } from '../../protocols/cggmp21/aux-info.js';
import { PARAMS_2048, type Cggmp21Params } from '../../protocols/cggmp21/params.js';
import type { AuxInfo } from '../../protocols/cggmp21/types.js';
import { gcd, isProbablePrime } from '../../protocols/math/bigint.js';
import { computeCommitment } from '../../protocols/math/commitment.js';
import { modPow } from '../../protocols/math/modpow.js';
import { randomBelow } from '../../protocols/math/random.js';
import type { WireValue } from '../../protocols/math/wire.js';
import { simulate, SimulatedIdentities, type SimulationOptions, type SimulationOutcome } from '../../protocols/round/simulator.js';
import { echoedRound, withEchoEntryFor } from './echo.js';
import type { Envelope } from '../../protocols/round/types.js';
import { provePrm } from '../../protocols/zk/prm.js';
import { SAFE_PRIMES_1024, SAFE_PRIMES_1536, type PrimePair } from '../fixtures/primes.js';

export type Payload = { [k: string]: WireValue };
export type Intercept = NonNullable<SimulationOptions['intercept']>;

export function fixturePrimes(params: Cggmp21Params, index: number): PrimePair {
  const pairs = params.paillierBits === 3072 ? SAFE_PRIMES_1536 : SAFE_PRIMES_1024;
  const pair = pairs[index];
  if (!pair) throw new RangeError(`no fixture prime pair ${index} for ${params.paillierBits}-bit moduli`);
  return pair;
}

export function runAuxInfo(parties: number[], options: SimulationOptions & { params?: Cggmp21Params; sessionId?: string } = {}) {
  const { params = PARAMS_2048, sessionId = 'aux-test', ...simulation } = options;
  const identities = new SimulatedIdentities(parties);
  const sessions = new Map(
    parties.map((self, i) => [
      self,
      createAuxInfoSession({ sessionId, self, parties, params, primes: fixturePrimes(params, i), auth: identities.authenticator(self) }),
    ]),
  );
  return { sid: auxInfoSid(sessionId, parties, params), outcome: simulate(sessions, identities, simulation) };
}

/** A malicious party alters one of its own messages (of one round and kind) and signs the result. */
export function tamper(party: number, round: number, kind: 'broadcast' | 'p2p', edit: (p: Payload, receiver: number, env: Envelope) => Payload): Intercept {
  return (env, receiver, tools) => {
    if (env.from !== party || env.round !== round || env.kind !== 'message') return env;
    if ((kind === 'broadcast') !== (env.to === null)) return env;
    return tools.resign({ ...env, payload: edit({ ...(env.payload as Payload) }, receiver, env) });
  };
}

/** Chains intercepts: each sees what the previous one returned. */
export function chain(...steps: Intercept[]): Intercept {
  return (env, receiver, tools) => {
    let current: Envelope[] = [env];
    for (const step of steps) {
      current = current.flatMap((e) => {
        const out = step(e, receiver, tools);
        return out === null ? [] : Array.isArray(out) ? out : [out];
      });
    }
    return current;
  };
}

/** Every honest party that stopped blames exactly [culprit]; none finished if `allAbort`; nobody blames an honest party. */
export function expectBlamed<R>(outcome: SimulationOutcome<R>, culprit: number, honest: number[], options: { reason?: RegExp; allAbort?: boolean } = {}) {
  const { reason, allAbort = true } = options;
  let detected = 0;
  for (const p of honest) {
    const abort = outcome.aborts.get(p);
    if (allAbort) expect(abort, `party ${p} should abort`).toBeDefined();
    if (!abort) continue;
    detected++;
    expect(abort.culprits, `party ${p} blames`).toEqual([culprit]);
    if (reason) expect(abort.reason).toMatch(reason);
  }
  expect(detected, 'at least one honest party detects the cheat').toBeGreaterThan(0);
}

/** A crafted modulus with its factorisation (what a malicious party knows about its own N). */
export interface CraftedModulus {
  N: bigint;
  factors: bigint[];
  phi: bigint;
}

function primeOfBits(bits: number): bigint {
  for (;;) {
    const candidate = randomBelow(1n << BigInt(bits - 1)) | (1n << BigInt(bits - 1)) | 1n;
    if (isProbablePrime(candidate, 20)) return candidate;
  }
}

/**
 * BitForge (CVE-2023-33241): N = sixteen 16-bit primes × one large prime, exactly `bits` bits long, with
 * gcd(N, φ(N)) = 1 so the forger can still take N-th roots for a best-effort Π^mod.
 */
/** Product of the odd primes below 2000: one gcd discards about 85% of odd candidates before a Miller–Rabin test. */
const SMALL_PRIMORIAL = (() => {
  let product = 1n;
  for (let c = 3; c < 2000; c += 2) {
    let prime = true;
    for (let d = 3; d * d <= c; d += 2) if (c % d === 0) prime = false;
    if (prime) product *= BigInt(c);
  }
  return product;
})();

export function bitforgeModulus(bits = 2048): CraftedModulus {
  for (;;) {
    const small = new Set<bigint>();
    while (small.size < 16) small.add(primeOfBits(16));
    const smallPrimes = [...small];
    const product = smallPrimes.reduce((a, b) => a * b, 1n);
    // The large prime is drawn from [2^{bits−1}/S, 2^bits/S) so that N has exactly `bits` bits.
    const low = ((1n << BigInt(bits - 1)) + product - 1n) / product;
    const high = (1n << BigInt(bits)) / product;
    let large: bigint;
    do large = (low + randomBelow(high - low)) | 1n;
    while (large >= high || gcd(large, SMALL_PRIMORIAL) !== 1n || !isProbablePrime(large, 20));
    const N = product * large;
    const factors = [...smallPrimes, large];
    const phi = factors.reduce((a, f) => a * (f - 1n), 1n);
    if (N.toString(2).length === bits && gcd(N, phi) === 1n) return { N, factors, phi };
  }
}

/** Ring-Pedersen parameters and a valid Π^prm for any modulus whose φ the forger knows (Π^prm proves nothing about N). */
export function forgedReveal(ctxSid: Uint8Array, party: number, modulus: CraftedModulus, params: Cggmp21Params, rho: Uint8Array): AuxReveal {
  const { N, phi } = modulus;
  let tau: bigint;
  do tau = randomBelow(N);
  while (gcd(tau, N) !== 1n);
  const t = (tau * tau) % N;
  const lambda = randomBelow(phi);
  const s = modPow(t, lambda, N);
  const trapdoor = { phi, expModN: (b: bigint, e: bigint) => modPow(b, e, N) };
  const prm = provePrm({ phase: 'aux/prm', sessionId: ctxSid, prover: party }, { N, s, t }, { lambda, trapdoor }, params);
  return { N, s, t, prm, rho };
}

/**
 * Party `party` commits to and reveals `reveal` instead of its real material (rounds 1 and 2), then, if `round3`
 * is given, replaces its round-3 messages with what `round3` builds from the joint ρ and the receiver's reveal.
 */
export function substituteReveal(
  party: number,
  sid: Uint8Array,
  reveal: AuxReveal,
  round3?: { broadcast: (rho: Uint8Array) => Payload; p2p: (rho: Uint8Array, receiverReveal: { N: bigint; s: bigint; t: bigint }) => Payload },
): Intercept {
  const opening = new Uint8Array(32).fill(7);
  const commitment = computeCommitment('aux/com', sid, party, AuxExchange.committedItems(reveal), opening);
  const seen = new Map<number, Payload>();
  const jointRho = () => {
    const rho = Uint8Array.from(reveal.rho);
    for (const p of seen.values()) (p.rho as Uint8Array).forEach((b, k) => (rho[k]! ^= b));
    return rho;
  };
  let originalRound1: Envelope | undefined;
  let substitutedRound1: Envelope | undefined;
  return (env, receiver, tools) => {
    // The forger's echo vouches for what it substituted; the echoes it receives are made to show what its own
    // session sent, so the session (the forger's puppet) keeps running instead of convicting itself.
    const shown = echoedRound(env) === 1 && substitutedRound1 && originalRound1 ? (env.from === party ? substitutedRound1 : receiver === party ? originalRound1 : undefined) : undefined;
    const echoed = shown ? withEchoEntryFor(env, party, shown) : env;
    if (env.round === 2 && env.from !== party && env.to === null) seen.set(env.from, env.payload as Payload);
    if (env.from === party && env.kind === 'message') {
      if (env.round === 1) {
        originalRound1 = env;
        return (substitutedRound1 ??= tools.resign({ ...env, payload: { V: commitment } }));
      }
      if (env.round === 2) return tools.resign({ ...echoed, payload: { ...AuxExchange.encodeReveal(reveal), u: opening } });
      if (env.round === 3 && round3) {
        if (env.to === null) return tools.resign({ ...echoed, payload: round3.broadcast(jointRho()) });
        const theirs = seen.get(receiver)!;
        return tools.resign({ ...echoed, payload: round3.p2p(jointRho(), { N: theirs.N as bigint, s: theirs.s as bigint, t: theirs.t as bigint }) });
      }
    }
    return shown ? tools.resign(echoed) : env;
  };
}

export function auxInfos(parties: number[], params: Cggmp21Params = PARAMS_2048): Map<number, AuxInfo> {
  const { outcome } = runAuxInfo(parties, { params });
  if (outcome.results.size !== parties.length) throw new Error(`aux-info failed: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
  return outcome.results;
}
