/**
 * The presignature pool of a node: for every CGGMP21 key it holds a share of, keep `target` presignatures ready
 * for this node's default quorum, made in the background, so a signature needs only the 1-round signing.
 * Each presignature is reserved by one request at a time and consumed (deleted, on every party) when it signs.
 */
import { randomBytes } from 'node:crypto';
import type { PartyId } from '../../protocols/errors.js';
import type { CeremonyRunner } from '../cluster.js';
import type { NodeServices } from '../daemon.js';
import type { KeyRecord } from './key-vault.js';

const REFILL_INTERVAL_MS = 1_000;

export function quorumTag(quorum: readonly PartyId[]): string {
  return `q${quorum.join('.')}`;
}

/** `q<quorum>-c<creator>-<random>`: the creator is the node whose pool (or request) made it, and only it signs with it. */
export function newPresignId(quorum: readonly PartyId[], creator: PartyId): string {
  return `${quorumTag(quorum)}-c${creator}-${randomBytes(8).toString('hex')}`;
}

const PRESIGN_ID = /^q\d+(?:\.\d+)*-c(\d+)-[0-9a-f]+$/;

/** The creator named in a `newPresignId` id, or undefined for an id of any other shape. */
export function presignCreator(id: string): PartyId | undefined {
  const match = PRESIGN_ID.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** This node and the lowest-numbered other holders: the quorum `ClusterService` picks when every holder is up. */
export function defaultQuorum(record: KeyRecord, self: PartyId): PartyId[] {
  const others = record.parties.filter((p) => p !== self).sort((a, b) => a - b);
  return [self, ...others.slice(0, record.threshold - 1)].sort((a, b) => a - b);
}

export class PresignPool {
  private readonly reserved = new Set<string>();
  /**
   * Presignatures this node created whose ceremony every party reported done (so every party has stored its part).
   * Only these are handed out: a presignature stored here but not yet everywhere would fail the signing, and one
   * created by another node's pool is that node's to use (two drivers must never pick the same one).
   */
  private readonly confirmed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private filling = false;
  private stopped = false;

  constructor(
    private readonly services: NodeServices,
    private readonly run: CeremonyRunner,
    private readonly target: number,
  ) {}

  start(): void {
    if (this.target <= 0) return;
    this.timer = setInterval(() => void this.refill(), REFILL_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Claim a ready presignature of `keyId` for exactly this quorum, or undefined when none is ready. */
  async reserve(keyId: string, quorum: readonly PartyId[]): Promise<string | undefined> {
    const prefix = `${quorumTag(quorum)}-c${this.services.config.id}-`;
    for (const id of await this.services.vault.listPresignatures(keyId)) {
      if (id.startsWith(prefix) && this.confirmed.has(id) && !this.reserved.has(id)) {
        this.reserved.add(id);
        return id;
      }
    }
    return undefined;
  }

  /** A fresh id for an on-demand presignature, reserved from the start so no concurrent request can take it. */
  claimNew(quorum: readonly PartyId[]): string {
    const id = newPresignId(quorum, this.services.config.id);
    this.reserved.add(id);
    return id;
  }

  /** Presignatures of `keyId` this node could sign with right now (its own, confirmed, not reserved). */
  async ready(keyId: string): Promise<number> {
    const mine = `c${this.services.config.id}-`;
    return (await this.services.vault.listPresignatures(keyId)).filter((id) => id.includes(mine) && this.confirmed.has(id) && !this.reserved.has(id)).length;
  }

  /** The id was used (or failed): it is never handed out again. */
  release(id: string): void {
    this.reserved.delete(id);
    this.confirmed.delete(id);
  }

  /** One presign ceremony at a time per node, so the pool never crowds out signing requests. */
  private async refill(): Promise<void> {
    if (this.filling || this.stopped) return;
    this.filling = true;
    try {
      const self = this.services.config.id;
      for (const record of await this.services.vault.list()) {
        if (this.stopped) return;
        if (record.protocol !== 'cggmp21' || record.locked || record.pending || !record.parties.includes(self)) continue;
        if (!(await this.services.vault.aux(record.keyId, record.generation))) continue;
        const quorum = defaultQuorum(record, self);
        const prefix = `${quorumTag(quorum)}-c${self}-`;
        const have = (await this.services.vault.listPresignatures(record.keyId)).filter((id) => id.startsWith(prefix) && this.confirmed.has(id)).length;
        if (have >= this.target) continue;
        const presignId = newPresignId(quorum, self);
        await this.run('cggmp21-presign', quorum, { keyId: record.keyId, presignId }).then(
          () => this.confirmed.add(presignId),
          (e: Error) => this.services.logger.warn({ keyId: record.keyId, error: e.message }, 'presignature pool refill failed'),
        );
        return;
      }
    } finally {
      this.filling = false;
    }
  }
}
