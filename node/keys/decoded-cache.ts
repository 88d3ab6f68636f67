/**
 * Decoded, validated key material kept in memory per (key, generation, kind). Shares and aux info are immutable
 * for a generation, so decoding and re-validating them on every signature is wasted work (several ms per signer);
 * a presignature is kept from the moment it is stored until its one use takes it. The sealed store stays the
 * authority: what is held here is only ever used together with the store's own record of it.
 * Entries of a generation are dropped when the key's generation changes or the key is retired.
 */
export class DecodedCache {
  private readonly entries = new Map<string, Promise<unknown>>();
  private static readonly LIMIT = 1024;

  get<T>(keyId: string, generation: number, kind: string, load: () => Promise<T>): Promise<T> {
    const id = `${keyId}#${generation}#${kind}`;
    let entry = this.entries.get(id) as Promise<T> | undefined;
    if (!entry) {
      if (this.entries.size >= DecodedCache.LIMIT) this.entries.delete(this.entries.keys().next().value!);
      entry = load();
      // A failed load is not cached: the next caller retries (and sees the error itself).
      entry.catch(() => this.entries.delete(id));
      this.entries.set(id, entry);
    }
    return entry;
  }

  /** Keep a value already in hand (a presignature just made), so its first use does not decode it again. */
  put<T>(keyId: string, generation: number, kind: string, value: T): void {
    const id = `${keyId}#${generation}#${kind}`;
    if (!this.entries.has(id) && this.entries.size >= DecodedCache.LIMIT) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, Promise.resolve(value));
  }

  /** Remove and return an entry (a single-use value such as a presignature), or undefined when none is held. */
  take<T>(keyId: string, generation: number, kind: string): Promise<T> | undefined {
    const id = `${keyId}#${generation}#${kind}`;
    const entry = this.entries.get(id) as Promise<T> | undefined;
    this.entries.delete(id);
    return entry;
  }

  /** Forget everything held for a key (its generation changed, or it left this node). */
  forget(keyId: string): void {
    for (const id of this.entries.keys()) if (id.startsWith(`${keyId}#`)) this.entries.delete(id);
  }
}
