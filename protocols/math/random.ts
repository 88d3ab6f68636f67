import { randomBytes as nodeRandomBytes } from 'node:crypto';

/**
 * Source of randomness for every protocol. Production uses the OS CSPRNG; tests may inject a seeded one so
 * proofs are reproducible. Protocols never call `crypto.randomBytes` directly: they take an `Rng`.
 */
export interface Rng {
  bytes(length: number): Uint8Array;
}

export const systemRng: Rng = {
  bytes: (length) => new Uint8Array(nodeRandomBytes(length)),
};

function bytesToBigint(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** Uniform integer in [0, bound) by rejection sampling on masked bytes (no modulo bias). */
export function randomBelow(bound: bigint, rng: Rng = systemRng): bigint {
  if (bound <= 0n) throw new RangeError(`"bound" expected positive, got ${bound}`);
  if (bound === 1n) return 0n;
  const bits = (bound - 1n).toString(2).length;
  const byteLength = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const candidate = bytesToBigint(rng.bytes(byteLength)) & mask;
    if (candidate < bound) return candidate;
  }
}

/** Uniform integer in the closed interval [-bound, bound] (the paper's ±B). */
export function randomSigned(bound: bigint, rng: Rng = systemRng): bigint {
  return randomBelow(2n * bound + 1n, rng) - bound;
}
