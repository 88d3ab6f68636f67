/**
 * Serialises read-check-write sequences per key (one secret, one policy) inside this gateway process.
 * The store has no compare-and-set, and LevelDB's lock already makes this process the only writer.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // Forget the key once nobody queued behind us, so the map does not grow with every name ever written.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
