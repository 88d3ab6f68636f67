/**
 * A spending budget over fixed windows (`"100.00" USD per 1d`: per UTC day; windows are aligned to whole
 * periods since the epoch). Requests reserve their worst-case cost before they are forwarded and settle
 * the real cost afterwards. Admission checks `spent + reserved + amount <= max` and reserves in the same
 * synchronous step, so no number of concurrent requests can together commit more than the budget.
 *
 * Reservations outlive the window they were made in: a request still in flight when a new window starts
 * keeps its reservation, and its cost lands in the new window (counted against the later period, never lost).
 */
export interface BudgetState {
  windowStart: number;
  /** Pico-units settled in the window that starts at `windowStart`. */
  spent: bigint;
}

export interface BudgetSnapshot extends BudgetState {
  windowEnd: number;
  reserved: bigint;
  remaining: bigint;
}

export class BudgetWindow {
  #state: BudgetState;
  #reserved = 0n;

  constructor(
    readonly maxSpend: bigint,
    readonly periodMs: number,
    stored: BudgetState | undefined,
  ) {
    this.#state = stored ?? { windowStart: 0, spent: 0n };
  }

  /** Reserves `amount` if it fits; false (and nothing reserved) otherwise. */
  tryReserve(amount: bigint, now: number): boolean {
    this.#roll(now);
    if (this.#state.spent + this.#reserved + amount > this.maxSpend) return false;
    this.#reserved += amount;
    return true;
  }

  release(amount: bigint): void {
    this.#reserved -= amount;
  }

  /** Replaces a reservation by the real cost. */
  settle(reserved: bigint, cost: bigint, now: number): void {
    this.#roll(now);
    this.#reserved -= reserved;
    this.#state = { ...this.#state, spent: this.#state.spent + cost };
  }

  /** What to persist: the window and what was settled in it (reservations live only in memory). */
  persisted(): BudgetState {
    return { ...this.#state };
  }

  snapshot(now: number): BudgetSnapshot {
    this.#roll(now);
    const remaining = this.maxSpend - this.#state.spent - this.#reserved;
    return { ...this.#state, windowEnd: this.#state.windowStart + this.periodMs, reserved: this.#reserved, remaining: remaining > 0n ? remaining : 0n };
  }

  /** When the current window ends (for "resets at" in refusals). */
  windowEnd(now: number): number {
    this.#roll(now);
    return this.#state.windowStart + this.periodMs;
  }

  #roll(now: number): void {
    const start = Math.floor(now / this.periodMs) * this.periodMs;
    if (start > this.#state.windowStart) this.#state = { windowStart: start, spent: 0n };
  }
}
