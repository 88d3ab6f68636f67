/**
 * CGGMP21 ceremonies between nodes: threshold keygen, aux info (Paillier + ring-Pedersen for every party),
 * presigning into the node's sealed store, and one-round signing that consumes a stored presignature (marked used
 * on disk before the partial signature leaves the node).
 */
import { decodeAuxInfo, encodeAuxInfo } from '../../protocols/cggmp21/aux-codec.js';
import { createAuxInfoSession } from '../../protocols/cggmp21/aux-info.js';
import { decodeKeyShare, encodeKeyShare } from '../../protocols/cggmp21/key-share.js';
import { createKeygenSession } from '../../protocols/cggmp21/keygen.js';
import { PARAMS_2048 } from '../../protocols/cggmp21/params.js';
import { createPresignSession } from '../../protocols/cggmp21/presign.js';
import { createRefreshSession, type RefreshResult } from '../../protocols/cggmp21/refresh.js';
import { decodePresignature, encodePresignature, PresignatureHandle, type Presignature } from '../../protocols/cggmp21/presignature.js';
import { createSignSession, type EcdsaSignature } from '../../protocols/cggmp21/sign.js';
import type { AuxInfo, EcdsaKeyShare } from '../../protocols/cggmp21/types.js';
import { InvalidInputError, ProtocolAbort } from '../../protocols/errors.js';
import { pointToHex, withMultiplicationTable } from '../../protocols/math/curve.js';
import { decodeWire, encodeWire, type WireValue } from '../../protocols/math/wire.js';
import type { NodeServices } from '../daemon.js';
import type { KeyRecord } from '../keys/key-vault.js';
import { discardAfterFailure } from '../keys/sweep.js';
import type { CeremonyHandler } from '../sessions/manager.js';
import { digestParam, hex, keyIdParam, parseParams } from './params.js';
import { requireApproval, requireUsableKey } from './usable-key.js';

/** The reason identification gives when every package verified: the Lindell17 defence locks the key. */
const UNATTRIBUTABLE = /unattributable/;

export async function loadEcdsaShare(services: NodeServices, record: KeyRecord, generation = record.generation): Promise<EcdsaKeyShare> {
  return services.decoded.get(record.keyId, generation, 'ecdsa-share', async () => {
    const share = decodeKeyShare(decodeWire(await services.vault.share(record.keyId, generation)));
    // Every signature with this generation is verified against Y: build its table here, at the first load (usually
    // a background presign), rather than in some signature's critical path.
    withMultiplicationTable(share.publicKey);
    return share;
  });
}

const presignatureKind = (presignId: string) => `presignature:${presignId}`;

export async function loadAux(services: NodeServices, record: KeyRecord, generation = record.generation): Promise<AuxInfo> {
  return services.decoded.get(record.keyId, generation, 'aux', async () => {
    const bytes = await services.vault.aux(record.keyId, generation);
    if (!bytes) throw new InvalidInputError(`key "${record.keyId}" has no aux info on party ${services.config.id} yet`, 'aux_missing');
    return decodeAuxInfo(decodeWire(bytes));
  });
}

export function cggmp21KeygenCeremony(services: NodeServices): CeremonyHandler<EcdsaKeyShare> {
  return {
    async open(ctx) {
      const p = parseParams(ctx.params, 'cggmp21-keygen', (r) => ({ keyId: keyIdParam(r), threshold: r.integer('threshold') }));
      if (await services.vault.get(p.keyId)) throw new InvalidInputError(`key "${p.keyId}" already exists on party ${ctx.self}`, 'key_exists');
      return createKeygenSession({ sessionId: ctx.sessionId, self: ctx.self, parties: ctx.parties, threshold: p.threshold, auth: ctx.auth });
    },
    async complete(share, ctx) {
      const keyId = parseParams(ctx.params, 'cggmp21-keygen', keyIdParam);
      const publicKey = pointToHex(share.publicKey);
      await services.vault.createPending({ keyId, protocol: 'cggmp21', threshold: share.threshold, parties: share.parties, publicKey }, encodeWire(encodeKeyShare(share)), ctx.sessionId);
      return { publicKey };
    },
    async aborted(ctx) {
      await discardAfterFailure(services, ctx, () => ({ keyId: parseParams(ctx.params, 'cggmp21-keygen', keyIdParam) }));
    },
  };
}

export function cggmp21AuxCeremony(services: NodeServices): CeremonyHandler<AuxInfo> {
  /** Aux info is made for the active generation after keygen, or for the pending one during a reshare or refresh. */
  const target = async (params: WireValue) => {
    const p = parseParams(params, 'cggmp21-aux', (r) => ({ keyId: keyIdParam(r), generation: r.has('generation') ? r.integer('generation') : undefined }));
    const record = await requireUsableKey(services, p.keyId, ['cggmp21'], { allowInactive: true });
    const generation = p.generation ?? record.generation;
    if (generation !== record.generation && generation !== record.pending?.generation) {
      throw new InvalidInputError(`key "${p.keyId}" has no generation ${generation} on party ${services.config.id}`, 'no_such_generation');
    }
    return { record, generation };
  };
  return {
    async open(ctx) {
      const { record, generation } = await target(ctx.params);
      const share = await loadEcdsaShare(services, record, generation);
      if (ctx.parties.join() !== share.parties.join()) throw new InvalidInputError("aux info must run among exactly the key's parties");
      const primes = await services.primes.take(PARAMS_2048.paillierBits);
      return createAuxInfoSession({
        sessionId: ctx.sessionId,
        self: ctx.self,
        parties: ctx.parties,
        params: PARAMS_2048,
        primes,
        auth: ctx.auth,
        key: { threshold: share.threshold, publicKey: share.publicKey, generation: share.generation },
      });
    },
    async complete(aux, ctx) {
      const { record, generation } = await target(ctx.params);
      await services.vault.putAux(record.keyId, generation, encodeWire(encodeAuxInfo(aux)));
      return { paillierBits: aux.params.paillierBits };
    },
    /**
     * Aux info failed here, so this node never reports it done and the driver never reaches activation: a pending
     * generation it was made for can never activate. (An active generation is never matched: it is not pending.)
     */
    async aborted(ctx) {
      await discardAfterFailure(services, ctx, async () => {
        const { record, generation } = await target(ctx.params);
        return { keyId: record.keyId, generation };
      });
    },
  };
}

export function cggmp21PresignCeremony(services: NodeServices): CeremonyHandler<Presignature> {
  return {
    async open(ctx) {
      const p = parseParams(ctx.params, 'cggmp21-presign', (r) => ({ keyId: keyIdParam(r), presignId: presignIdParam(r.string('presignId', 64)) }));
      const record = await requireUsableKey(services, p.keyId, ['cggmp21']);
      const [share, aux] = await Promise.all([loadEcdsaShare(services, record), loadAux(services, record)]);
      return createPresignSession({ share, aux, quorum: ctx.parties, sessionId: ctx.sessionId, auth: ctx.auth });
    },
    async complete(presignature, ctx) {
      const p = parseParams(ctx.params, 'cggmp21-presign', (r) => ({ keyId: keyIdParam(r), presignId: presignIdParam(r.string('presignId', 64)) }));
      // Stored under the generation it was made with: the vault refuses it if the key has moved on (refresh,
      // reshare, retirement) while it was being made.
      await services.vault.addPresignature(p.keyId, presignature.generation, p.presignId, encodePresignature(presignature));
      services.decoded.put(p.keyId, presignature.generation, presignatureKind(p.presignId), presignature);
      return { presignId: p.presignId };
    },
    routine: true,
  };
}

export function cggmp21SignCeremony(services: NodeServices): CeremonyHandler<EcdsaSignature> {
  return {
    async open(ctx) {
      const p = parseParams(ctx.params, 'cggmp21-sign', (r) => ({ keyId: keyIdParam(r), digest: digestParam(r), presignId: presignIdParam(r.string('presignId', 64)) }));
      const record = await requireUsableKey(services, p.keyId, ['cggmp21']);
      // Before the presignature is touched: an unapproved request must not even burn one.
      requireApproval(services, ctx.params, { keyId: p.keyId, digest: p.digest, signers: ctx.parties });
      const [share, aux] = await Promise.all([loadEcdsaShare(services, record), loadAux(services, record)]);
      const presignature = await loadPresignature(services, record, p.presignId, share, ctx.self);
      if (presignature.quorum.join() !== ctx.parties.join()) throw new InvalidInputError(`presignature ${p.presignId} belongs to quorum ${presignature.quorum.join(',')}`);
      // Consuming deletes the presignature from the sealed store, and persists that, before any σ_i is computed;
      // of two concurrent requests for one presignature only the first deletion succeeds.
      const spent = await new PresignatureHandle(presignature, async () => {
        if (!(await services.vault.takePresignature(p.keyId, record.generation, p.presignId))) {
          throw new InvalidInputError(`presignature ${p.presignId} was used concurrently`, 'presignature_used');
        }
      }).consume();
      return createSignSession({ presignature: spent, digest: p.digest, sessionId: ctx.sessionId, auth: ctx.auth, identification: { aux, share } });
    },
    async complete(signature) {
      return { signature: hex(signature.compact), recovery: signature.recovery };
    },
    routine: true,
    async aborted(ctx, error) {
      if (error instanceof ProtocolAbort && error.culprits.length === 0 && UNATTRIBUTABLE.test(error.reason)) {
        const keyId = parseParams(ctx.params, 'cggmp21-sign', keyIdParam);
        await services.vault.lock(keyId, `unattributable signing failure in session ${ctx.sessionId}`);
        services.logger.error({ keyId, sessionId: ctx.sessionId }, 'key locked after an unattributable signing failure');
      }
    },
  };
}

/**
 * The presignature as this node made it (held since presigning) or, after a restart, decoded from the sealed store.
 * Either way the store's record is what `takePresignature` deletes before σ_i leaves, so a presignature held here but
 * already used (or swept) still cannot sign twice.
 */
async function loadPresignature(services: NodeServices, record: KeyRecord, presignId: string, share: EcdsaKeyShare, self: number): Promise<Presignature> {
  let presignature = await services.decoded.take<Presignature>(record.keyId, record.generation, presignatureKind(presignId));
  if (!presignature) {
    const bytes = await services.vault.readPresignature(record.keyId, record.generation, presignId);
    if (!bytes) throw new InvalidInputError(`presignature ${presignId} of key "${record.keyId}" is not held by party ${self} (used or never made)`, 'presignature_missing');
    presignature = decodePresignature(bytes);
  }
  // Verify against the share's copy of Y, which carries its multiplication table (built once per generation);
  // a presignature of another key keeps its own Y and is refused by the checks.
  return presignature.publicKey.equals(share.publicKey) ? { ...presignature, publicKey: share.publicKey } : presignature;
}

const PRESIGN_ID = /^[A-Za-z0-9._-]{1,64}$/;

function presignIdParam(id: string): string {
  if (!PRESIGN_ID.test(id)) throw new InvalidInputError('"presignId" expected 1..64 characters of A-Z a-z 0-9 . _ -');
  return id;
}

/** Proactive refresh: new shares of the same key and new aux info, staged as generation k+1 until acknowledged. */
export function cggmp21RefreshCeremony(services: NodeServices): CeremonyHandler<RefreshResult> {
  return {
    async open(ctx) {
      const keyId = parseParams(ctx.params, 'cggmp21-refresh', keyIdParam);
      const record = await requireUsableKey(services, keyId, ['cggmp21']);
      if (record.pending) throw new InvalidInputError(`key "${keyId}" already has generation ${record.pending.generation} pending`, 'reshare_in_progress');
      const share = await loadEcdsaShare(services, record);
      if (ctx.parties.join() !== share.parties.join()) throw new InvalidInputError("refresh must run among exactly the key's parties");
      const primes = await services.primes.take(PARAMS_2048.paillierBits);
      return createRefreshSession({ sessionId: ctx.sessionId, share, params: PARAMS_2048, primes, auth: ctx.auth });
    },
    async complete(result, ctx) {
      const keyId = parseParams(ctx.params, 'cggmp21-refresh', keyIdParam);
      const pending = { generation: result.share.generation, threshold: result.share.threshold, parties: [...result.share.parties], stagedBy: ctx.sessionId };
      await services.vault.stage(keyId, pending, encodeWire(encodeKeyShare(result.share)), encodeWire(encodeAuxInfo(result.aux)));
      return { publicKey: pointToHex(result.share.publicKey), generation: result.share.generation };
    },
    async aborted(ctx) {
      await discardAfterFailure(services, ctx, () => ({ keyId: parseParams(ctx.params, 'cggmp21-refresh', keyIdParam) }));
    },
  };
}
