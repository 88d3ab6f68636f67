import { generatePrime } from 'node:crypto';
import { InternalError } from '../errors.js';
import { bitLength } from './bigint.js';

/**
 * Safe primes for Paillier / ring-Pedersen moduli. OpenSSL's `generatePrime(…, { safe: true })` is native and its
 * async form runs in libuv's thread pool, so it never blocks the event loop; no worker thread of ours is needed.
 * A 1024-bit safe prime takes about 0.7 s median with a tail of seconds, hence the pool: keygen and refresh take
 * ready primes instead of waiting.
 */

/** Generates one safe prime of exactly `bits` bits (p and (p−1)/2 both prime). */
export function generateSafePrime(bits: number): Promise<bigint> {
  assertPrimeBits(bits);
  return new Promise((resolve, reject) => {
    generatePrime(bits, { safe: true, bigint: true }, (error, prime) => (error ? reject(error) : resolve(prime)));
  });
}

function assertPrimeBits(bits: unknown): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 16 || bits > 8192) {
    throw new RangeError(`"bits" expected integer 16..8192, got ${String(bits)}`);
  }
}

function assertModulusBits(bits: unknown): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 32 || bits > 16384 || bits % 2 !== 0) {
    throw new RangeError(`"modulusBits" expected even integer 32..16384, got ${String(bits)}`);
  }
}

/**
 * A prime whose top two bits are set makes any product of two such primes exactly 2·bits long
 * ((3/4)² · 2^{2·bits} ≥ 2^{2·bits − 1}). OpenSSL sets both bits today, but the documentation does not promise it,
 * so the pool checks and regenerates rather than ever pairing into a short modulus.
 */
function hasTopTwoBits(prime: bigint, bits: number): boolean {
  return bitLength(prime) === bits && ((prime >> BigInt(bits - 2)) & 1n) === 1n;
}

export interface SafePrimePoolOptions {
  /** Modulus sizes to keep ready, e.g. [2048] (two 1024-bit primes per modulus). */
  readonly modulusBits: readonly number[];
  /** Moduli (prime pairs) to keep ready per size. */
  readonly targetPairs: number;
  /**
   * Primes generated at once. Each occupies one libuv thread-pool thread (4 by default, shared with file I/O, scrypt
   * and LevelDB) and one core, so the default of 1 leaves the rest of the node responsive.
   */
  readonly concurrency?: number;
  /** Source of safe primes; tests inject one to exercise the short-product path. */
  readonly generate?: (bits: number) => Promise<bigint>;
}

interface Waiter {
  readonly resolve: (pair: [bigint, bigint]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A per-node pool of safe primes, refilled in the background while started. `take(modulusBits)` hands out each
 * prime at most once, as a pair p ≠ q whose product has exactly `modulusBits` bits, waiting for generation if the
 * pool is empty (it works, slowly, without `start()` too).
 */
export class SafePrimePool {
  private readonly primes = new Map<number, bigint[]>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly inFlight = new Map<number, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly targetPairs: number;
  private readonly concurrency: number;
  private readonly generate: (bits: number) => Promise<bigint>;
  private started = false;
  private stopped = false;
  /** Set when generation failed: background refill pauses until the next `take` so a broken generator cannot spin. */
  private paused = false;
  /** Primes thrown away because their top two bits were not both set. */
  discarded = 0;

  constructor(options: SafePrimePoolOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected object');
    const { modulusBits, targetPairs, concurrency = 1, generate = generateSafePrime } = options;
    if (!Array.isArray(modulusBits) || modulusBits.length === 0) {
      throw new TypeError('"modulusBits" expected non-empty array of modulus sizes');
    }
    for (const bits of modulusBits) assertModulusBits(bits);
    if (!Number.isInteger(targetPairs) || targetPairs < 0 || targetPairs > 1000) {
      throw new RangeError(`"targetPairs" expected integer 0..1000, got ${targetPairs}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new RangeError(`"concurrency" expected integer 1..64, got ${concurrency}`);
    }
    if (typeof generate !== 'function') throw new TypeError('"generate" expected function');
    for (const bits of modulusBits) this.primes.set(bits / 2, []);
    this.targetPairs = targetPairs;
    this.concurrency = concurrency;
    this.generate = generate;
  }

  /** Begins background refill up to `targetPairs` per size. */
  start(): void {
    if (this.stopped) throw new InternalError('safe-prime pool cannot restart after stop()');
    this.started = true;
    for (const primeBits of this.primes.keys()) this.refill(primeBits);
  }

  /** Stops refilling, rejects pending `take`s, and waits for generations already running (they cannot be cancelled). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    for (const queue of this.waiters.values()) {
      for (const waiter of queue.splice(0)) waiter.reject(new InternalError('safe-prime pool stopped'));
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Ready pairs for a modulus size. */
  size(modulusBits: number): number {
    return Math.floor(this.queueFor(modulusBits).length / 2);
  }

  /** Two distinct safe primes of modulusBits/2 bits each whose product has exactly `modulusBits` bits. */
  take(modulusBits: number): Promise<[bigint, bigint]> {
    const queue = this.queueFor(modulusBits);
    if (this.stopped) return Promise.reject(new InternalError('safe-prime pool stopped'));
    const primeBits = modulusBits / 2;
    const pending = this.waiters.get(primeBits) ?? [];
    this.waiters.set(primeBits, pending);
    const promise = new Promise<[bigint, bigint]>((resolve, reject) => pending.push({ resolve, reject }));
    this.paused = false;
    this.serve(primeBits, queue);
    this.refill(primeBits);
    return promise;
  }

  private queueFor(modulusBits: number): bigint[] {
    assertModulusBits(modulusBits);
    const queue = this.primes.get(modulusBits / 2);
    if (queue === undefined) {
      throw new RangeError(`"modulusBits" expected one of ${[...this.primes.keys()].map((b) => b * 2).join(', ')}, got ${modulusBits}`);
    }
    return queue;
  }

  /** Hands ready pairs to waiters, oldest first. */
  private serve(primeBits: number, queue: bigint[]): void {
    const pending = this.waiters.get(primeBits) ?? [];
    while (pending.length > 0 && queue.length >= 2) {
      const p = queue.shift()!;
      const q = queue.shift()!;
      if (bitLength(p * q) !== 2 * primeBits) {
        // Cannot happen with top-two-bit primes; a short modulus must never leave the pool.
        pending.shift()!.reject(new InternalError(`safe-prime pool produced a ${bitLength(p * q)}-bit modulus`));
        continue;
      }
      pending.shift()!.resolve([p, q]);
    }
  }

  /** Starts as many generations as the target (when started) or the waiters (always) call for. */
  private refill(primeBits: number): void {
    if (this.stopped) return;
    const queue = this.primes.get(primeBits)!;
    const waiting = this.waiters.get(primeBits)?.length ?? 0;
    const wanted = 2 * ((this.started && !this.paused ? this.targetPairs : 0) + waiting);
    while (
      queue.length + (this.inFlight.get(primeBits) ?? 0) < wanted &&
      this.totalInFlight() < this.concurrency
    ) {
      this.inFlight.set(primeBits, (this.inFlight.get(primeBits) ?? 0) + 1);
      const run = this.generateOne(primeBits).finally(() => {
        this.running.delete(run);
        this.inFlight.set(primeBits, this.inFlight.get(primeBits)! - 1);
        // Capacity freed: continue this size first, then any other size that was starved by the concurrency cap.
        this.refill(primeBits);
        for (const other of this.primes.keys()) if (other !== primeBits) this.refill(other);
      });
      this.running.add(run);
    }
  }

  private async generateOne(primeBits: number): Promise<void> {
    let prime: bigint;
    try {
      prime = await this.generate(primeBits);
    } catch (error) {
      // Generation failing is a bug or resource exhaustion: tell whoever is waiting rather than spin.
      this.paused = true;
      for (const waiter of (this.waiters.get(primeBits) ?? []).splice(0)) {
        waiter.reject(new InternalError('safe-prime generation failed', { cause: error }));
      }
      return;
    }
    if (this.stopped) return;
    const queue = this.primes.get(primeBits)!;
    if (!hasTopTwoBits(prime, primeBits) || queue.includes(prime)) {
      this.discarded++;
      return;
    }
    queue.push(prime);
    this.serve(primeBits, queue);
  }

  private totalInFlight(): number {
    let total = 0;
    for (const count of this.inFlight.values()) total += count;
    return total;
  }
}
