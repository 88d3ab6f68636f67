/**
 * Erases sealed records that can never be used again: pending generations of ceremonies that failed (or that a
 * crash interrupted) and presignatures this node made but can no longer hand out. Runs once at node start, before
 * the node joins any ceremony, and for a pending generation when the ceremony that stored it fails.
 *
 * Why an unacknowledged pending generation is safe to erase, and an acknowledged one is not: a pending generation
 * (fresh keygen: generation 0; reshare or refresh: k+1 beside the active k) becomes active only through the
 * activation round, where every party broadcasts "activate generation g of key K" and a party activates only after
 * it holds every other party's acknowledgement. Activation is one atomic batch on each node, but across nodes nothing
 * is atomic: a node can crash after its acknowledgement reached the others, who then activate g and erase k, while
 * its own store still says "k active, g pending". Erasing g there would destroy a share the key now depends on. So
 * the node persists `acknowledged` on the pending generation before its acknowledgement leaves (KeyVault.markAcknowledged):
 * - not acknowledged: no party can have finished the round (each needs this node's acknowledgement), so g is active
 *   nowhere and k (if any) still is everywhere: erasing g loses nothing.
 * - acknowledged: the others may or may not have activated g; this node cannot tell alone, so g is kept and
 *   reported for the operator.
 * A pending generation without `stagedBy` was stored before these markers existed: it is kept for the same reason.
 * After a restart no ceremony is in progress on this node, so every unacknowledged pending generation is stale.
 *
 * Presignatures: the pool hands out only presignatures this node created whose ceremony every party confirmed, and
 * that confirmation lives in memory, so after a restart none of this node's own presignatures can ever be handed out.
 * Erasing one is always safe (a presignature must never be used twice, so none is ever recovered). Those another node
 * created are that node's to use, possibly right now, and are left alone.
 */
import type { PartyId } from '../../protocols/errors.js';
import type { NodeLogger, NodeServices } from '../daemon.js';
import type { NodeMetrics } from '../metrics.js';
import type { SessionContext } from '../sessions/manager.js';
import type { KeyRecord, KeyVault } from './key-vault.js';
import { presignCreator } from './presign-pool.js';

export interface SweepOutcome {
  /** Pending generations erased. */
  discarded: { keyId: string; generation: number }[];
  /** Pending generations kept because other parties may already sign with them. */
  kept: { keyId: string; generation: number; reason: string }[];
  /** This node's unusable presignatures erased, per key. */
  presignatures: { keyId: string; count: number }[];
  /** Keys whose stored records could not be read: left untouched. */
  unreadable: string[];
}

export interface SweepInput {
  vault: KeyVault;
  self: PartyId;
  logger: Pick<NodeLogger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<NodeMetrics, 'recordSwept'>;
}

/** The start-up sweep. Never throws: what cannot be read is logged and left as it is. */
export async function sweepAtStart({ vault, self, logger, metrics }: SweepInput): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { discarded: [], kept: [], presignatures: [], unreadable: [] };
  let keyIds: string[];
  try {
    keyIds = await vault.keyIds();
  } catch (e) {
    logger.error({ error: (e as Error).message }, 'start-up sweep skipped: the key index cannot be read');
    return outcome;
  }
  for (const keyId of keyIds) {
    try {
      const record = await vault.get(keyId);
      if (record === undefined) continue;
      if (!wellFormed(record)) throw new Error('stored metadata has an unexpected shape');
      await sweepPending(vault, record, outcome, logger);
      const own = (await vault.listPresignatures(keyId)).filter((id) => presignCreator(id) === self);
      const count = own.length ? await vault.discardPresignatures(keyId, own) : 0;
      if (count) outcome.presignatures.push({ keyId, count });
    } catch (e) {
      outcome.unreadable.push(keyId);
      logger.warn({ keyId, error: (e as Error).message }, 'start-up sweep left a key it could not read untouched');
    }
  }
  const presignatures = outcome.presignatures.reduce((n, p) => n + p.count, 0);
  metrics?.recordSwept('pending_generation', outcome.discarded.length);
  metrics?.recordSwept('presignature', presignatures);
  if (outcome.discarded.length || presignatures) {
    logger.info(
      { pendingGenerations: outcome.discarded, presignatures: outcome.presignatures },
      'start-up sweep erased pending generations of unfinished ceremonies and unconfirmed presignatures',
    );
  }
  return outcome;
}

async function sweepPending(vault: KeyVault, record: KeyRecord, outcome: SweepOutcome, logger: SweepInput['logger']): Promise<void> {
  const pending = record.pending;
  if (!pending) return;
  const { keyId } = record;
  const { generation } = pending;
  const reason = pending.acknowledged
    ? 'this node acknowledged it in the activation round: other parties may already sign with it'
    : pending.stagedBy === undefined
      ? 'stored before activation acknowledgements were recorded: other parties may already sign with it'
      : undefined;
  if (reason) {
    outcome.kept.push({ keyId, generation, reason });
    logger.warn({ keyId, generation, activeGeneration: record.generation }, `pending generation kept: ${reason}`);
    return;
  }
  if (await vault.discardPending(keyId, { generation, stagedBy: pending.stagedBy! })) outcome.discarded.push({ keyId, generation });
}

function wellFormed(record: KeyRecord): boolean {
  const isGeneration = (g: unknown) => Number.isSafeInteger(g) && (g as number) >= 0;
  if (typeof record !== 'object' || record === null || !isGeneration(record.generation)) return false;
  return record.pending === undefined || (typeof record.pending === 'object' && record.pending !== null && isGeneration(record.pending.generation));
}

/**
 * A ceremony that stores a pending generation failed on this node: erase what that very session stored (matched by
 * session id, so a refused duplicate proposal never erases another ceremony's generation), or, for `generation`,
 * the pending generation the failed step was preparing. Called from the session manager's `aborted` hook, which
 * nobody awaits: it logs instead of throwing.
 */
export async function discardAfterFailure(
  services: Pick<NodeServices, 'vault' | 'decoded' | 'logger' | 'metrics'>,
  ctx: SessionContext,
  target: () => Promise<{ keyId: string; generation?: number }> | { keyId: string; generation?: number },
): Promise<void> {
  let keyId: string | undefined;
  try {
    const t = await target();
    keyId = t.keyId;
    const match = t.generation === undefined ? { stagedBy: ctx.sessionId } : { generation: t.generation };
    if (!(await services.vault.discardPending(keyId, match))) return;
    services.decoded.forget(keyId);
    services.metrics.recordSwept('pending_generation');
    services.logger.info({ keyId, sessionId: ctx.sessionId, ceremony: ctx.ceremony }, 'pending generation discarded: its ceremony failed');
  } catch (e) {
    services.logger.warn({ keyId, sessionId: ctx.sessionId, ceremony: ctx.ceremony, error: (e as Error).message }, 'pending generation of a failed ceremony not discarded');
  }
}
