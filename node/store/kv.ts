/**
 * The storage interface every stateful part of a node and of the gateway is written against.
 * LevelDB (`level`) is the embedded implementation; PostgreSQL can stand behind the same interface later.
 * Keys are strings (a path such as `share/<keyId>/<generation>`); values are bytes.
 */
export type BatchOperation =
  | { type: 'put'; key: string; value: Uint8Array }
  | { type: 'del'; key: string };

export interface KeyValueStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  del(key: string): Promise<void>;
  /** Applied atomically: after a crash either every operation is visible or none is. */
  batch(operations: readonly BatchOperation[]): Promise<void>;
  /** Entries whose key starts with `prefix`, in key order. */
  entries(prefix: string, options?: { limit?: number; after?: string; reverse?: boolean }): AsyncIterable<[string, Uint8Array]>;
  close(): Promise<void>;
}
