import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, getBytes, keccak256, recoverAddress, toUtf8Bytes } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { PRESIGN_PROOF_TAGS, presignSessionId } from '../../../protocols/cggmp21/presign.js';
import { decodePresignature, encodePresignature, PresignatureHandle, presignatureToWire, type Presignature } from '../../../protocols/cggmp21/presignature.js';
import { toQuorum } from '../../../protocols/cggmp21/quorum.js';
import { createSignSession, verifyEcdsa, type EcdsaSignature } from '../../../protocols/cggmp21/sign.js';
import { MalformedError } from '../../../protocols/errors.js';
import { CURVE_ORDER, pointToBytes, pointToHex, scalarToBytes } from '../../../protocols/math/curve.js';
import { systemRng } from '../../../protocols/math/random.js';
import { encodeWire, type WireValue } from '../../../protocols/math/wire.js';
import { SimulatedIdentities, type SimulationOutcome } from '../../../protocols/round/simulator.js';
import type { Envelope } from '../../../protocols/round/types.js';
import { encodeAffG, proveAffG } from '../../../protocols/zk/aff-g.js';
import { encodeEnc, proveEnc } from '../../../protocols/zk/enc.js';
import { auxInfos, chain, expectBlamed, tamper, type Intercept, type Payload } from '../../helpers/cggmp21-aux.js';
import { keygenShares } from '../../helpers/cggmp21-keygen.js';
import { presignAll, runPresign, runSign, testOnlyFixtureAuxInfos, type KeyMaterial } from '../../helpers/cggmp21-presign.js';
import { vouchingForWhatItSent } from '../../helpers/echo.js';

const params = PARAMS_2048;
const digest = getBytes(keccak256(toUtf8Bytes('lux kms: transfer 1 ETH')));

let twoOfThree: KeyMaterial;
let threeOfFive: KeyMaterial;

beforeAll(() => {
  // 2-of-3 runs the real keygen and aux-info protocols; 3-of-5 builds aux from fixture primes (aux-info for five
  // parties would cost the test tens of seconds and is covered by its own tests).
  twoOfThree = { shares: keygenShares(2, [1, 2, 3]), aux: auxInfos([1, 2, 3]) };
  threeOfFive = { shares: keygenShares(3, [1, 2, 3, 4, 5]), aux: testOnlyFixtureAuxInfos([1, 2, 3, 4, 5]) };
}, 120_000);

/** Every party finished with the same signature, which noble (prehash off) and ethers' recovery both accept. */
function expectValidSignature(outcome: SimulationOutcome<EcdsaSignature>, material: KeyMaterial, quorum: number[]) {
  expect(outcome.aborts.size).toBe(0);
  expect([...outcome.results.keys()].sort()).toEqual(quorum);
  const sigs = [...outcome.results.values()];
  for (const s of sigs) expect(s).toEqual(sigs[0]);
  const sig = sigs[0]!;
  const Y = material.shares.get(quorum[0]!)!.publicKey;
  expect(sig.s <= (CURVE_ORDER - 1n) / 2n).toBe(true);
  expect(secp256k1.verify(sig.compact, digest, pointToBytes(Y), { prehash: false })).toBe(true);
  const rHex = '0x' + Buffer.from(scalarToBytes(sig.r)).toString('hex');
  const sHex = '0x' + Buffer.from(scalarToBytes(sig.s)).toString('hex');
  expect(recoverAddress(digest, { r: rHex, s: sHex, v: 27 + (sig.recovery & 1) })).toBe(computeAddress('0x' + pointToHex(Y)));
  expect(verifyEcdsa(Y, digest, sig.r, sig.s)).toBe(true);
}

describe('CGGMP21 presign + sign, end to end', () => {
  it.each([[[1, 2]], [[1, 3]], [[2, 3]]])('2-of-3 signs with quorum %j (keygen + aux-info + presign + sign)', async (quorum) => {
    const presigs = presignAll(twoOfThree, quorum, `presign-2of3-${quorum.join('')}`);
    const R = presigs.get(quorum[0]!)!.R;
    for (const p of presigs.values()) expect(p.R.equals(R)).toBe(true);
    expectValidSignature(await runSign(presigs, digest), twoOfThree, quorum);
  });

  it('3-of-5 signs with quorum [1, 3, 5]', async () => {
    expectValidSignature(await runSign(presignAll(threeOfFive, [1, 3, 5]), digest), threeOfFive, [1, 3, 5]);
  });

  it('the presignature round-trips through its sealed encoding and still signs; decoding rejects tampering', async () => {
    const presigs = presignAll(twoOfThree, [1, 2], 'presign-roundtrip');
    const decoded = new Map([...presigs].map(([p, record]) => [p, decodePresignature(encodePresignature(record))]));
    for (const [p, record] of presigs) expect(encodePresignature(decoded.get(p)!)).toEqual(encodePresignature(record));
    expectValidSignature(await runSign(decoded, digest), twoOfThree, [1, 2]);
    const bytes = encodePresignature(presigs.get(1)!);
    expect(() => decodePresignature(bytes.subarray(0, bytes.length - 1))).toThrow(MalformedError);
    const wire = presignatureToWire(presigs.get(1)!) as Record<string, WireValue>;
    expect(() => decodePresignature(encodeWire({ ...wire, self: 3 }))).toThrow(MalformedError);
    expect(() => decodePresignature(encodeWire({ ...wire, rho: 1n << 2048n }))).toThrow(MalformedError);
    expect(() => decodePresignature(encodeWire({ ...wire, mta: (wire.mta as WireValue[]).slice(1) }))).toThrow(MalformedError);
  });
});

// ---- attacks (guide §5): party X tampers with exactly one thing, honest parties blame exactly [X] --------------

const sessionIdOf = (quorum: number[]) => `attack-${quorum.join('')}`;
const sidOf = (material: KeyMaterial, quorum: number[], X: number) =>
  presignSessionId(material.shares.get(X)!, material.aux.get(X)!, quorum, sessionIdOf(quorum));
/** X runs `intercept` on its messages and echoes what it really broadcast. */
const attack = (material: KeyMaterial, quorum: number[], X: number, intercept: Intercept) =>
  runPresign(material, quorum, { sessionId: sessionIdOf(quorum), intercept: vouchingForWhatItSent(X, intercept) });

/**
 * X (re)makes its "x" MtA for receiver j, D̂ = (x_X ⊙ K_j) ⊕ enc_j(y), F̂ = enc_X(y) with a correctly computed
 * Π^aff-g for that statement under `subTag`, and substitutes them in its round-2 broadcast and p2p message.
 */
function substituteHatMta(material: KeyMaterial, quorum: number[], X: number, j: number, y: bigint, subTag: string): Intercept {
  const ownKey = material.aux.get(X)!.paillier;
  const theirs = material.aux.get(X)!.publics.get(j)!;
  const weighted = toQuorum(material.shares.get(X)!, quorum);
  let Kj: bigint | undefined;
  let crafted: { Dhat: bigint; Fhat: bigint; proof: WireValue } | undefined;
  const craft = () => {
    if (crafted) return crafted;
    const sHat = theirs.paillier.randomNonce();
    const rHat = ownKey.publicKey.randomNonce();
    const Dhat = theirs.paillier.add(theirs.paillier.scalarMul(Kj!, weighted.secret), theirs.paillier.encrypt(y, sHat));
    const Fhat = ownKey.encrypt(y, rHat);
    const ctx = { phase: PRESIGN_PROOF_TAGS.affg, sessionId: sidOf(material, quorum, X), prover: X, subTag };
    const st = { receiver: theirs.paillier, prover: ownKey, C: Kj!, D: Dhat, Y: Fhat, X: weighted.publicShares.get(X)!, verifier: theirs.ringPedersen };
    const proof = encodeAffG(proveAffG(ctx, st, { x: weighted.secret, y, rho: sHat, rhoY: rHat }, params, systemRng));
    return (crafted = { Dhat, Fhat, proof });
  };
  const capture: Intercept = (env) => {
    if (env.from === j && env.round === 1 && env.to === null && env.kind === 'message') Kj = (env.payload as Payload).K as bigint;
    return env;
  };
  return chain(
    capture,
    tamper(X, 2, 'broadcast', (p) => ({
      ...p,
      mta: (p.mta as Payload[]).map((entry) => (entry.to === j ? { ...entry, Dhat: craft().Dhat, Fhat: craft().Fhat } : entry)),
    })),
    tamper(X, 2, 'p2p', (p, receiver) => (receiver === j ? { ...p, affgX: craft().proof } : p)),
  );
}

describe('presign attacks', () => {
  // With k ~ N/2 (or y ~ 2^(ℓ'+ε+1)) the response is thousands of bits wide, so the decoder's size cap (a coarse range
  // check applied before any arithmetic) is what fires here; the zk tests show the exact range check alone catches it.
  it('enc_k_out_of_range: K_X encrypts N/2 with a correctly computed Π^enc; the z1 range bound blames X', () => {
    const quorum = [1, 3];
    const X = 3;
    const key = twoOfThree.aux.get(X)!.paillier;
    const k = key.publicKey.halfN;
    const rho = key.publicKey.randomNonce();
    const K = key.encrypt(k, rho);
    const sid = sidOf(twoOfThree, quorum, X);
    const outcome = attack(
      twoOfThree,
      quorum,
      X,
      chain(
        tamper(X, 1, 'broadcast', (p) => ({ ...p, K })),
        tamper(X, 1, 'p2p', (p, receiver) => {
          const verifier = twoOfThree.aux.get(X)!.publics.get(receiver)!.ringPedersen;
          const proof = proveEnc({ phase: PRESIGN_PROOF_TAGS.enc, sessionId: sid, prover: X }, { prover: key, K, verifier }, { k, rho }, params, systemRng);
          return { ...p, enc: encodeEnc(proof) };
        }),
      ),
    );
    expectBlamed(outcome, X, [1], { reason: /Π\^enc: "z1"/ });
  });

  it("affg_beta_too_big: X's MtA uses y = 2^(ℓ'+ε+1) with a correctly computed Π^aff-g; the z2 range bound blames X", () => {
    const y = 1n << BigInt(params.ellPrime + params.epsilon + 1);
    const outcome = attack(twoOfThree, [1, 2], 2, substituteHatMta(twoOfThree, [1, 2], 2, 1, y, 'x'));
    expectBlamed(outcome, 2, [1], { reason: /Π\^aff-g: "z2"/ });
  });

  it('affg_swap_gamma_x_tags: the "x" MtA proven under the "gamma" sub-tag is rejected (the same substitution under "x" passes)', () => {
    const control = attack(twoOfThree, [1, 2], 2, substituteHatMta(twoOfThree, [1, 2], 2, 1, -12345n, 'x'));
    // The honest receiver accepts the substituted MtA and moves on to wait for round 3 (X's own session trips over
    // its own echo and stops, which is X's problem): no abort at party 1 means every round-2 check passed.
    expect(control.aborts.get(1)).toBeUndefined();
    expect(control.stalled).toEqual([1]);
    const swapped = attack(twoOfThree, [1, 2], 2, substituteHatMta(twoOfThree, [1, 2], 2, 1, -12345n, 'gamma'));
    expectBlamed(swapped, 2, [1], { reason: /Π\^aff-g \(x\)/ });
  });

  it('replay_enc_other_session: X replays its K and Π^enc from an earlier session; the sid in the transcript blames X', () => {
    const quorum = [2, 3];
    const X = 3;
    const recorded = new Map<string, WireValue>();
    runPresign(twoOfThree, quorum, {
      sessionId: 'earlier-session',
      intercept: (env, receiver) => {
        if (env.from === X && env.round === 1 && env.kind === 'message') recorded.set(env.to === null ? 'bcast' : `p2p-${receiver}`, env.payload);
        return env;
      },
    });
    const replay: Intercept = (env, receiver, tools) => {
      if (env.from !== X || env.round !== 1 || env.kind !== 'message') return env;
      return tools.resign({ ...env, payload: recorded.get(env.to === null ? 'bcast' : `p2p-${receiver}`)! });
    };
    expectBlamed(attack(twoOfThree, quorum, X, replay), X, [2], { reason: /Π\^enc/ });
  });

  it('ct_not_unit: K = 0, K = N², gcd(K, N) ≠ 1, and a D with a common factor are each blamed on the sender', () => {
    const X = 2;
    const key = twoOfThree.aux.get(X)!.paillier;
    for (const K of [0n, key.publicKey.N2, key.p * 11n]) {
      expectBlamed(attack(twoOfThree, [1, 2], X, tamper(X, 1, 'broadcast', (p) => ({ ...p, K }))), X, [1], { reason: /malformed broadcast/ });
    }
    const N1 = twoOfThree.aux.get(1)!.paillier;
    const badD = tamper(X, 2, 'broadcast', (p) => ({ ...p, mta: (p.mta as Payload[]).map((e) => ({ ...e, D: N1.q * 3n })) }));
    expectBlamed(attack(twoOfThree, [1, 2], X, badD), X, [1], { reason: /malformed broadcast.*not a ciphertext/ });
  });

  it('equivocate_K: X sends a different K_X to one party; the echo check blames X with both signed payloads', () => {
    const quorum = [1, 2, 3];
    const X = 2;
    const other = threeOfFive.aux.get(X)!.paillier.encrypt(42n);
    const outcome = runPresign(threeOfFive, quorum, { sessionId: sessionIdOf(quorum), intercept: (env, receiver, tools) =>
      env.from === X && env.round === 1 && env.to === null && env.kind === 'message' && receiver === 3
        ? tools.resign({ ...env, payload: { ...(env.payload as Payload), K: other } })
        : env,
    });
    expectBlamed(outcome, X, [1, 3], { reason: /equivocation/ });
    expect(outcome.results.size).toBe(0);
  });

  it('a tampered δ_X fails the δ check and moves the honest party into the §4.7 identification round', () => {
    const sent: Envelope[] = [];
    const outcome = attack(twoOfThree, [1, 2], 2, (env, receiver, tools) => {
      if (env.from === 1) sent.push(env);
      return tamper(2, 3, 'broadcast', (p) => ({ ...p, delta: scalarToBytes(1n) }))(env, receiver, tools);
    });
    // X keeps its honest δ_X locally and never joins; party 1 published its package (round 4) and waits for X's,
    // whose absence the node's deadline blames. The identification verdicts are tested with the §4.7 procedure.
    expect(outcome.aborts.get(1)).toBeUndefined();
    expect(outcome.stalled).toEqual([1]);
    expect(sent.some((env) => env.round === 4 && env.to === null && env.kind === 'message')).toBe(true);
  });
});

describe('sign: single use and verification', () => {
  let presigs: Map<number, Presignature>;
  beforeAll(() => {
    presigs = presignAll(twoOfThree, [1, 3], 'presign-single-use');
  }, 60_000);

  it('presig_reuse_refused: a handle consumes once, a spent presignature feeds one session, the hook runs first', async () => {
    const calls: string[] = [];
    const handle = new PresignatureHandle(presigs.get(1)!, async () => {
      calls.push('marked');
    });
    const spent = await handle.consume();
    expect(calls).toEqual(['marked']);
    expect(handle.used).toBe(true);
    await expect(handle.consume()).rejects.toThrow(/already used/);
    const auth = new SimulatedIdentities([1, 3]).authenticator(1);
    createSignSession({ presignature: spent, digest, sessionId: 'sign-once', auth });
    expect(() => createSignSession({ presignature: spent, digest, sessionId: 'sign-twice', auth })).toThrow(/already used/);
    // A hook that fails leaves the handle spent: never retry a presignature that may have been marked.
    const failing = new PresignatureHandle(presigs.get(3)!, () => Promise.reject(new Error('disk full')));
    await expect(failing.consume()).rejects.toThrow('disk full');
    await expect(failing.consume()).rejects.toThrow(/already used/);
  });

  it('verify_rejects_r0_s0: r = 0, s = 0 and values ≥ q are rejected; the honest signature verifies', async () => {
    const outcome = await runSign(presigs, digest);
    const sig = outcome.results.get(1)!;
    const Y = twoOfThree.shares.get(1)!.publicKey;
    expect(verifyEcdsa(Y, digest, sig.r, sig.s)).toBe(true);
    expect(verifyEcdsa(Y, digest, 0n, sig.s)).toBe(false);
    expect(verifyEcdsa(Y, digest, sig.r, 0n)).toBe(false);
    expect(verifyEcdsa(Y, digest, 0n, 0n)).toBe(false);
    expect(verifyEcdsa(Y, digest, sig.r + CURVE_ORDER, sig.s)).toBe(false);
    expect(verifyEcdsa(Y, digest, sig.r, CURVE_ORDER - sig.s)).toBe(true); // high s verifies in plain ECDSA
    expect(() => verifyEcdsa(Y, digest.subarray(1), sig.r, sig.s)).toThrow(RangeError);
  });

  it('sigma_tamper_blamed: X sends a wrong σ_X; the §4.8 identification round blames exactly X', async () => {
    const fresh = presignAll(twoOfThree, [1, 3], 'presign-sigma-tamper');
    const X = 3;
    const outcome = await runSign(fresh, digest, {
      identification: twoOfThree,
      intercept: (env: Envelope, receiver, tools) => {
        if (env.round !== 1 || env.kind !== 'message') return env;
        if (env.from === X) return tools.resign({ ...env, payload: { sigma: scalarToBytes(5n) } });
        // Simulation of X's own view: X's session must fail too so that X runs the identification round and sends its
        // (honest) package, as a cheater who wants to avoid the missing-package blame would.
        if (receiver === X) return tools.resign({ ...env, payload: { sigma: scalarToBytes(6n) } });
        return env;
      },
    });
    expect(outcome.results.size).toBe(0);
    expect(outcome.aborts.get(1)?.culprits).toEqual([X]);
    expect(outcome.aborts.get(1)?.round).toBe(2);
  });

  it('without identification material a failed signature aborts unattributed', async () => {
    const fresh = presignAll(twoOfThree, [1, 3], 'presign-sigma-unattributed');
    const outcome = await runSign(fresh, digest, {
      intercept: (env: Envelope, _r, tools) => (env.from === 3 ? tools.resign({ ...env, payload: { sigma: scalarToBytes(5n) } }) : env),
    });
    expect(outcome.results.has(1)).toBe(false);
    expect(outcome.aborts.get(1)?.reason).toBe('signature check failed: identification required');
    expect(outcome.aborts.get(1)?.culprits).toEqual([]);
  });
});
