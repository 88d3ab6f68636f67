/** Byte comparison for public values (keys, commitments, digests): not constant time, nothing here is secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
