/**
 * One timer per key (a certificate to renew, a CRL to refresh), replaced when the key is scheduled again.
 * Deadlines further away than `setTimeout` can wait (about 24.8 days) are reached in hops, so a
 * certificate due in a year is scheduled like one due in a minute. Timers never keep the process alive.
 */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class KeyedTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  /** Runs `fn` at `atMs` (now, if that has passed); replaces any timer already set for `key`. */
  set(key: string, atMs: number, fn: () => void): void {
    this.clear(key);
    if (this.#closed) return;
    const delay = Math.max(0, atMs - Date.now());
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (delay > MAX_DELAY_MS) this.set(key, atMs, fn);
      else fn();
    }, Math.min(delay, MAX_DELAY_MS));
    timer.unref();
    this.#timers.set(key, timer);
  }

  clear(key: string): void {
    const t = this.#timers.get(key);
    if (t) clearTimeout(t), this.#timers.delete(key);
  }

  has(key: string): boolean {
    return this.#timers.has(key);
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
