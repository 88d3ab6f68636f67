/**
 * A sliding-window counter for rate limits ("at most N per hour"). The period is cut into 60 slots and a
 * slot is forgotten only once it lies entirely outside the window, so the count at any moment covers at
 * least every event of the last full period: the limit can refuse up to one slot early, never let one
 * event too many through. Memory is fixed (one ring of slots) whatever the limit.
 */
const SLOTS = 60;
// A window that does not start on a slot boundary touches parts of up to SLOTS + 2 slots.
const RING = SLOTS + 2;

export class SlidingWindow {
  readonly #slotMs: number;
  readonly #slotIndex = new Array<number>(RING).fill(-1);
  readonly #counts = new Array<number>(RING).fill(0);

  constructor(readonly periodMs: number) {
    if (!Number.isSafeInteger(periodMs) || periodMs < 1) throw new RangeError(`"periodMs" expected integer >= 1, got ${periodMs}`);
    this.#slotMs = Math.max(1, Math.ceil(periodMs / SLOTS));
  }

  /** Events counted in the window ending at `now`. */
  total(now: number): number {
    const [first, last] = this.#range(now);
    let sum = 0;
    for (let i = 0; i < RING; i++) if (this.#slotIndex[i]! >= first && this.#slotIndex[i]! <= last) sum += this.#counts[i]!;
    return sum;
  }

  add(at: number, n = 1): void {
    const index = Math.floor(at / this.#slotMs);
    const ring = index % RING;
    if (this.#slotIndex[ring] !== index) {
      this.#slotIndex[ring] = index;
      this.#counts[ring] = 0;
    }
    this.#counts[ring]! += n;
  }

  /** Takes back events added at `at` (a request admitted and then not performed). */
  remove(at: number, n = 1): void {
    const index = Math.floor(at / this.#slotMs);
    const ring = index % RING;
    if (this.#slotIndex[ring] === index) this.#counts[ring] = Math.max(0, this.#counts[ring]! - n);
  }

  /** Milliseconds until the oldest counted slot leaves the window (0 when nothing is counted). */
  msUntilRelease(now: number): number {
    const [first, last] = this.#range(now);
    let oldest = Infinity;
    for (let i = 0; i < RING; i++) {
      const index = this.#slotIndex[i]!;
      if (index >= first && index <= last && this.#counts[i]! > 0) oldest = Math.min(oldest, index);
    }
    return oldest === Infinity ? 0 : Math.max(0, (oldest + 1) * this.#slotMs + this.periodMs - now);
  }

  #range(now: number): [number, number] {
    return [Math.floor((now - this.periodMs) / this.#slotMs), Math.floor(now / this.#slotMs)];
  }
}
