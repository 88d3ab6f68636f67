/**
 * An Rng whose first draws from the ±bound sampler (`randomSigned`) return chosen values, then the system
 * generator: lets a test put a response of an otherwise honest proof exactly on a range boundary.
 */
import { bigintToBytes } from '../../protocols/math/bigint.js';
import { systemRng, type Rng } from '../../protocols/math/random.js';

export function steeredRng(draws: readonly (readonly [value: bigint, bound: bigint])[]): Rng {
  const queue = [...draws];
  return {
    bytes(length) {
      const next = queue.shift();
      if (!next) return systemRng.bytes(length);
      const [value, bound] = next;
      const expected = Math.ceil((2n * bound).toString(2).length / 8);
      if (length !== expected) throw new RangeError(`steered draw expected a ${expected}-byte request, got ${length}`);
      return bigintToBytes(value + bound, length);
    },
  };
}
