/**
 * Decoded, validated key material kept in memory per (key, generation, kind). Shares and aux info are immutable
 * for a generation, so decoding and re-validating them on every signature is wasted work (several ms per signer).
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

  /** Forget everything held for a key (its generation changed, or it left this node). */
  forget(keyId: string): void {
    for (const id of this.entries.keys()) if (id.startsWith(`${keyId}#`)) this.entries.delete(id);
  }
}
