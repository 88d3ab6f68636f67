/**
 * Everything a node keeps per threshold key: plain metadata (protocol, committee, public key, which share
 * generation is active, whether a newer one is pending) and, sealed, the share, the aux secrets and the
 * presignatures. Generation changes are atomic batches: a crash leaves the old generation active or the new one.
 */
import { randomBytes } from 'node:crypto';
import { InvalidInputError, MalformedError, type PartyId } from '../../protocols/errors.js';
import type { SealedRecordStore, SealedWrite } from '../store/sealed-store.js';
import { Mutex } from '../util/mutex.js';

export type KeyProtocol = 'cggmp21' | 'frost' | 'frost-taproot';
export const KEY_PROTOCOLS: readonly KeyProtocol[] = ['cggmp21', 'frost', 'frost-taproot'];

export interface KeyRecord {
  keyId: string;
  protocol: KeyProtocol;
  threshold: number;
  parties: PartyId[];
  /** Hex SEC1 compressed (x-only, BIP-341-tweaked, for frost-taproot). */
  publicKey: string;
  generation: number;
  /** A keygen, reshare or refresh in flight: its share is stored but not used until every party confirmed it. */
  pending?: PendingGeneration;
  createdAt: string;
  /** Set after an unattributable signing failure (Lindell17 defence): the key signs nothing until unlocked. */
  locked?: { reason: string; at: string };
}

export interface PendingGeneration {
  generation: number;
  threshold: number;
  parties: PartyId[];
  /** The session that stored this generation here: only that session's failure discards it while the node runs. */
  stagedBy?: string;
  /**
   * This node joined the activation round, so its acknowledgement may have reached every other party and they may
   * already sign with this generation: from here on nothing discards it automatically (see sweep.ts).
   */
  acknowledged?: boolean;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    throw new InvalidInputError(`"keyId" expected 1..64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(keyId)}`);
  }
  return keyId;
}

export function newKeyId(protocol: KeyProtocol): string {
  return `${protocol}-${randomBytes(8).toString('hex')}`;
}

const metaKey = (keyId: string) => `key/${keyId}`;
const shareId = (keyId: string) => `share/${keyId}`;
const auxId = (keyId: string) => `aux/${keyId}`;
const presigId = (keyId: string, id: string) => `presig/${keyId}/${id}`;
const presigIndex = (keyId: string) => `presig-index/${keyId}`;

/** A stored JSON list of ids (absent: empty); anything else is a MalformedError naming `what`. */
function idList(bytes: Uint8Array | undefined, what: string): string[] {
  if (!bytes) return [];
  let ids: unknown;
  try {
    ids = JSON.parse(fromUtf8.decode(bytes));
  } catch {
    ids = undefined;
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new MalformedError(`stored ${what} is not a JSON list of ids`);
  return ids;
}

export class KeyVault {
  /** Index and metadata updates are read-modify-write: one at a time. */
  private readonly mutex = new Mutex();

  constructor(private readonly store: SealedRecordStore) {}

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const bytes = await this.store.getMeta(metaKey(checkKeyId(keyId)));
    if (!bytes) return undefined;
    try {
      return JSON.parse(fromUtf8.decode(bytes)) as KeyRecord;
    } catch {
      throw new MalformedError(`stored metadata of key ${keyId} is not valid JSON`);
    }
  }

  async require(keyId: string): Promise<KeyRecord> {
    const record = await this.get(keyId);
    if (!record) throw new InvalidInputError(`unknown key "${keyId}"`, 'key_not_found');
    return record;
  }

  /** Every key id this node stores, without reading the keys (a corrupt index throws MalformedError). */
  async keyIds(): Promise<string[]> {
    return idList(await this.store.getMeta('key-index'), 'key index');
  }

  async list(): Promise<KeyRecord[]> {
    const ids = await this.keyIds();
    const out: KeyRecord[] = [];
    for (const id of ids) {
      const r = await this.get(id);
      if (r) out.push(r);
    }
    return out;
  }

  /** A new key: metadata, share (and aux) for generation `record.generation`, all in one batch. */
  async create(record: KeyRecord, share: Uint8Array, aux?: Uint8Array): Promise<void> {
    return this.mutex.run(async () => {
      if (await this.get(record.keyId)) throw new InvalidInputError(`key "${record.keyId}" already exists`, 'key_exists');
      const ids = await this.keyIds();
      const writes: SealedWrite[] = [
        { type: 'putSealed', recordId: shareId(record.keyId), generation: record.generation, plaintext: share },
        { type: 'putMeta', key: metaKey(record.keyId), value: utf8.encode(JSON.stringify(record)) },
        { type: 'putMeta', key: 'key-index', value: utf8.encode(JSON.stringify([...ids, record.keyId])) },
      ];
      if (aux) writes.push({ type: 'putSealed', recordId: auxId(record.keyId), generation: record.generation, plaintext: aux });
      await this.store.commit(writes);
    });
  }

  /**
   * A key fresh from keygen (session `stagedBy`): stored at generation 0 but pending, so nothing signs with it until
   * every party has acknowledged holding its share (the activation ceremony).
   */
  async createPending(
    key: { keyId: string; protocol: KeyProtocol; threshold: number; parties: readonly PartyId[]; publicKey: string },
    share: Uint8Array,
    stagedBy: string,
  ): Promise<void> {
    const parties = [...key.parties];
    await this.create(
      { ...key, parties, generation: 0, pending: { generation: 0, threshold: key.threshold, parties, stagedBy }, createdAt: new Date().toISOString() },
      share,
    );
  }

  async share(keyId: string, generation: number): Promise<Uint8Array> {
    const bytes = await this.store.getSealed(shareId(keyId), generation);
    if (!bytes) throw new InvalidInputError(`this node holds no share of key "${keyId}" generation ${generation}`, 'share_not_found');
    return bytes;
  }

  async aux(keyId: string, generation: number): Promise<Uint8Array | undefined> {
    return this.store.getSealed(auxId(keyId), generation);
  }

  /** Aux info only for a generation the key still has: a late write after a discard must not leave an orphan secret. */
  async putAux(keyId: string, generation: number, aux: Uint8Array): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.require(keyId);
      if (generation !== record.generation && generation !== record.pending?.generation) {
        throw new InvalidInputError(`key "${keyId}" has no generation ${generation} on this node`, 'no_such_generation');
      }
      await this.store.putSealed(auxId(keyId), generation, aux);
    });
  }

  /** Store a new generation's share without activating it (reshare/refresh, before every party confirmed). */
  async stage(keyId: string, pending: PendingGeneration, share: Uint8Array | undefined, aux?: Uint8Array, baseRecord?: KeyRecord): Promise<void> {
    return this.mutex.run(async () => {
      const record = (await this.get(keyId)) ?? baseRecord;
      if (!record) throw new InvalidInputError(`unknown key "${keyId}"`, 'key_not_found');
      const isNew = !(await this.get(keyId));
      const next: KeyRecord = { ...record, pending };
      const writes: SealedWrite[] = [{ type: 'putMeta', key: metaKey(keyId), value: utf8.encode(JSON.stringify(next)) }];
      if (share) writes.push({ type: 'putSealed', recordId: shareId(keyId), generation: pending.generation, plaintext: share });
      if (aux) writes.push({ type: 'putSealed', recordId: auxId(keyId), generation: pending.generation, plaintext: aux });
      if (isNew) {
        const ids = await this.keyIds();
        writes.push({ type: 'putMeta', key: 'key-index', value: utf8.encode(JSON.stringify([...ids, keyId])) });
      }
      await this.store.commit(writes);
    });
  }

  /**
   * This party left the committee: erase every trace of the key it held (share, aux, presignatures, metadata), so an
   * old share can never again combine with anything.
   */
  async retire(keyId: string): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.get(keyId);
      if (record) await this.store.commit(await this.eraseWrites(record));
    });
  }

  /** Every generation of share and aux (a pending one too), the presignatures, the metadata and the index entry. */
  private async eraseWrites(record: KeyRecord): Promise<SealedWrite[]> {
    const { keyId } = record;
    const ids = await this.keyIds();
    const sealed = async (recordId: string) =>
      (await this.store.generations(recordId)).map((generation): SealedWrite => ({ type: 'delSealed', recordId, generation }));
    return [
      ...(await sealed(shareId(keyId))),
      ...(await sealed(auxId(keyId))),
      ...(await this.presignatureIds(keyId)).map((id): SealedWrite => ({ type: 'delSealed', recordId: presigId(keyId, id), generation: record.generation })),
      { type: 'delMeta', key: presigIndex(keyId) },
      { type: 'delMeta', key: metaKey(keyId) },
      { type: 'putMeta', key: 'key-index', value: utf8.encode(JSON.stringify(ids.filter((x) => x !== keyId))) },
    ];
  }

  /** Make the pending generation active and erase the old one (its share, aux and unused presignatures). */
  async activate(keyId: string, generation: number): Promise<KeyRecord> {
    return this.mutex.run(async () => {
      const record = await this.require(keyId);
      if (!record.pending || record.pending.generation !== generation) {
        throw new InvalidInputError(`key "${keyId}" has no pending generation ${generation}`, 'no_pending_generation');
      }
      const old = record.generation;
      const next: KeyRecord = { ...record, generation, threshold: record.pending.threshold, parties: record.pending.parties };
      delete next.pending;
      if (old === generation) {
        // A new key created in the pending state: activation only makes it usable, there is nothing older to erase.
        await this.store.putMeta(metaKey(keyId), utf8.encode(JSON.stringify(next)));
        return next;
      }
      const writes: SealedWrite[] = [
        { type: 'putMeta', key: metaKey(keyId), value: utf8.encode(JSON.stringify(next)) },
        { type: 'delSealed', recordId: shareId(keyId), generation: old },
        { type: 'delSealed', recordId: auxId(keyId), generation: old },
        ...(await this.presignatureIds(keyId)).map((id): SealedWrite => ({ type: 'delSealed', recordId: presigId(keyId, id), generation: old })),
        { type: 'delMeta', key: presigIndex(keyId) },
      ];
      await this.store.commit(writes);
      return next;
    });
  }

  /**
   * This node is about to acknowledge the pending generation in the activation round. Persisted before the
   * acknowledgement leaves the node: without it no party can finish that round, so an unmarked pending generation
   * is known to be active nowhere.
   */
  async markAcknowledged(keyId: string, generation: number): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.require(keyId);
      if (record.pending?.generation !== generation) {
        throw new InvalidInputError(`key "${keyId}" has no pending generation ${generation}`, 'no_pending_generation');
      }
      if (record.pending.acknowledged) return;
      const next: KeyRecord = { ...record, pending: { ...record.pending, acknowledged: true } };
      await this.store.putMeta(metaKey(keyId), utf8.encode(JSON.stringify(next)));
    });
  }

  /**
   * Forget a pending generation whose ceremony failed: generation k stays as it was. Only a pending generation
   * matching `match` (when given) and not yet acknowledged is discarded: once this node acknowledged it, other parties
   * may already have activated it, and erasing it here could destroy a share the key needs. Returns whether it did.
   */
  async discardPending(keyId: string, match: { generation?: number; stagedBy?: string } = {}): Promise<boolean> {
    return this.mutex.run(async () => {
      const record = await this.get(keyId);
      const pending = record?.pending;
      if (!record || !pending || pending.acknowledged) return false;
      if (match.generation !== undefined && pending.generation !== match.generation) return false;
      if (match.stagedBy !== undefined && pending.stagedBy !== match.stagedBy) return false;
      // A key whose first generation never activated (fresh keygen), or that this node only joined through this
      // reshare (no share of the active generation), is not this node's key without it: forget it entirely.
      const holdsActive = pending.generation !== record.generation && (await this.store.generations(shareId(keyId))).includes(record.generation);
      if (!holdsActive) {
        await this.store.commit(await this.eraseWrites(record));
        return true;
      }
      const next: KeyRecord = { ...record };
      delete next.pending;
      await this.store.commit([
        { type: 'putMeta', key: metaKey(keyId), value: utf8.encode(JSON.stringify(next)) },
        { type: 'delSealed', recordId: shareId(keyId), generation: pending.generation },
        { type: 'delSealed', recordId: auxId(keyId), generation: pending.generation },
      ]);
      return true;
    });
  }

  async lock(keyId: string, reason: string): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.require(keyId);
      await this.store.putMeta(metaKey(keyId), utf8.encode(JSON.stringify({ ...record, locked: { reason, at: new Date().toISOString() } })));
    });
  }

  async unlock(keyId: string): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.require(keyId);
      delete record.locked;
      await this.store.putMeta(metaKey(keyId), utf8.encode(JSON.stringify(record)));
    });
  }

  private async presignatureIds(keyId: string): Promise<string[]> {
    return idList(await this.store.getMeta(presigIndex(keyId)), `presignature index of key ${keyId}`);
  }

  async presignatureCount(keyId: string): Promise<number> {
    return (await this.presignatureIds(keyId)).length;
  }

  async addPresignature(keyId: string, generation: number, id: string, presignature: Uint8Array): Promise<void> {
    return this.mutex.run(async () => {
      // A presign that ends after its key was retired or moved to another generation must not leave an orphan secret.
      const record = await this.require(keyId);
      if (record.generation !== generation) throw new InvalidInputError(`key "${keyId}" is at generation ${record.generation}, not ${generation}`, 'no_such_generation');
      const ids = await this.presignatureIds(keyId);
      await this.store.commit([
        { type: 'putSealed', recordId: presigId(keyId, id), generation, plaintext: presignature },
        { type: 'putMeta', key: presigIndex(keyId), value: utf8.encode(JSON.stringify([...ids, id])) },
      ]);
    });
  }

  /**
   * Take one presignature for signing: its record is deleted (and that deletion persisted) before the caller
   * sees it, so no crash or concurrent request can ever use it twice.
   */
  async takePresignature(keyId: string, generation: number, id: string): Promise<Uint8Array | undefined> {
    return this.mutex.run(async () => {
      const ids = await this.presignatureIds(keyId);
      if (!ids.includes(id)) return undefined;
      const bytes = await this.store.getSealed(presigId(keyId, id), generation);
      await this.store.commit([
        { type: 'delSealed', recordId: presigId(keyId, id), generation },
        { type: 'putMeta', key: presigIndex(keyId), value: utf8.encode(JSON.stringify(ids.filter((x) => x !== id))) },
      ]);
      return bytes;
    });
  }

  /** Read a presignature without consuming it (signing consumes it with `takePresignature`). */
  async readPresignature(keyId: string, generation: number, id: string): Promise<Uint8Array | undefined> {
    if (!(await this.presignatureIds(keyId)).includes(id)) return undefined;
    return this.store.getSealed(presigId(keyId, id), generation);
  }

  async listPresignatures(keyId: string): Promise<string[]> {
    return this.presignatureIds(keyId);
  }

  /** Erase presignatures that can never be used (see sweep.ts); returns how many were still stored. */
  async discardPresignatures(keyId: string, discard: readonly string[]): Promise<number> {
    return this.mutex.run(async () => {
      const record = await this.get(keyId);
      if (!record) return 0;
      const ids = await this.presignatureIds(keyId);
      const gone = ids.filter((id) => discard.includes(id));
      if (gone.length === 0) return 0;
      await this.store.commit([
        ...gone.map((id): SealedWrite => ({ type: 'delSealed', recordId: presigId(keyId, id), generation: record.generation })),
        { type: 'putMeta', key: presigIndex(keyId), value: utf8.encode(JSON.stringify(ids.filter((id) => !discard.includes(id)))) },
      ]);
      return gone.length;
    });
  }
}
