/**
 * LSS resharing between nodes: old dealers re-share to a new committee (generation k+1, staged as pending), the
 * new committee makes fresh aux info for ECDSA keys, and a final acknowledgement round activates k+1 everywhere.
 * Until activation generation k keeps signing; a step that fails before this node acknowledged activation discards
 * k+1 (rollback); after that it is kept, since other parties may already have activated it (keys/sweep.ts).
 */
import { decodeKeyShare, encodeKeyShare } from '../../protocols/cggmp21/key-share.js';
import { InvalidInputError, type PartyId } from '../../protocols/errors.js';
import { serializeKeyShare } from '../../protocols/frost/index.js';
import { pointToHex } from '../../protocols/math/curve.js';
import { decodeWire, encodeWire } from '../../protocols/math/wire.js';
import { createAckSession } from '../../protocols/round/ack.js';
import {
  createReshareSession,
  decodeResharePlan,
  ecdsaResharePlan,
  frostDealerSecret,
  frostResharePlan,
  toEcdsaKeyShare,
  toFrostKeyShare,
  type ResharePlan,
  type ReshareResult,
} from '../../protocols/lss/index.js';
import type { NodeServices } from '../daemon.js';
import type { KeyRecord } from '../keys/key-vault.js';
import { discardAfterFailure } from '../keys/sweep.js';
import type { CeremonyHandler } from '../sessions/manager.js';
import { loadFrostShare } from './frost.js';
import { hex, keyIdParam, parseParams } from './params.js';

/** The plan this node would make from its own share: a dealer never deals under a plan it did not derive itself. */
export async function planFromOwnShare(services: NodeServices, record: KeyRecord, target: { dealers: PartyId[]; threshold: number; parties: PartyId[] }): Promise<ResharePlan> {
  if (record.protocol === 'cggmp21') {
    const share = decodeKeyShare(decodeWire(await services.vault.share(record.keyId, record.generation)));
    return ecdsaResharePlan(share, target);
  }
  return frostResharePlan(await loadFrostShare(services, record.keyId, record.generation), target);
}

async function dealerSecret(services: NodeServices, record: KeyRecord): Promise<bigint> {
  if (record.protocol === 'cggmp21') return decodeKeyShare(decodeWire(await services.vault.share(record.keyId, record.generation))).secretShare;
  return frostDealerSecret(await loadFrostShare(services, record.keyId, record.generation));
}

function readPlan(params: Parameters<typeof parseParams>[0]): { keyId: string; plan: ResharePlan } {
  return parseParams(params, 'lss-reshare', (r) => ({ keyId: keyIdParam(r), plan: decodeResharePlan(r.raw('plan')) }));
}

export function reshareCeremony(services: NodeServices): CeremonyHandler<ReshareResult> {
  return {
    async open(ctx) {
      const { keyId, plan } = readPlan(ctx.params);
      if (plan.participants.join() !== ctx.parties.join()) throw new InvalidInputError('the session parties are not the plan’s participants');
      const record = await services.vault.get(keyId);
      if (record?.pending) throw new InvalidInputError(`key "${keyId}" already has a reshare in progress (generation ${record.pending.generation})`, 'reshare_in_progress');
      const isDealer = plan.dealers.includes(ctx.self);
      if (record) {
        if (record.generation !== plan.generation) throw new InvalidInputError(`plan is for generation ${plan.generation}, this node holds ${record.generation}`);
        const mine = await planFromOwnShare(services, record, { dealers: [...plan.dealers], threshold: plan.newCommittee.threshold, parties: [...plan.newCommittee.parties] });
        if (Buffer.compare(Buffer.from(mine.digest), Buffer.from(plan.digest)) !== 0) throw new InvalidInputError('the proposed reshare plan differs from the one derived from this node’s share');
      } else if (isDealer) {
        throw new InvalidInputError(`party ${ctx.self} is named as a dealer but holds no share of "${keyId}"`);
      }
      return createReshareSession({
        plan,
        sessionId: ctx.sessionId,
        self: ctx.self,
        auth: ctx.auth,
        ...(isDealer ? { secretShare: await dealerSecret(services, record!) } : {}),
      });
    },
    async complete(result, ctx) {
      const { keyId, plan } = readPlan(ctx.params);
      const pending = { generation: result.generation, threshold: result.threshold, parties: [...result.parties], stagedBy: ctx.sessionId };
      const inNewCommittee = result.secretShare !== undefined;
      const protocol = plan.scheme === 'ecdsa' ? 'cggmp21' : plan.scheme;
      const share = !inNewCommittee
        ? undefined
        : protocol === 'cggmp21'
          ? encodeWire(encodeKeyShare(toEcdsaKeyShare(result)))
          : serializeKeyShare(toFrostKeyShare(result));
      // For frost-taproot the plan's key is the BIP-341 output key Q; the record keeps it x-only, as keygen does.
      const publicKey = protocol === 'frost-taproot' ? hex(plan.publicKey.toBytes(true).subarray(1)) : pointToHex(plan.publicKey);
      const base: KeyRecord = {
        keyId,
        protocol,
        threshold: plan.oldCommittee.threshold,
        parties: [...plan.oldCommittee.parties],
        publicKey,
        generation: plan.generation,
        createdAt: new Date().toISOString(),
      };
      await services.vault.stage(keyId, pending, share, undefined, base);
      return { publicKey, generation: result.generation };
    },
    async aborted(ctx) {
      await discardAfterFailure(services, ctx, () => ({ keyId: readPlan(ctx.params).keyId }));
    },
  };
}

/** Final step of a reshare: everyone acknowledges "activate generation g of key K", then activates (or retires). */
export function activateCeremony(services: NodeServices): CeremonyHandler<true> {
  const read = (params: Parameters<typeof parseParams>[0]) =>
    parseParams(params, 'lss-activate', (r) => ({ keyId: keyIdParam(r), generation: r.integer('generation') }));
  return {
    async open(ctx) {
      const { keyId, generation } = read(ctx.params);
      // Persisted before this node's acknowledgement can leave it: from here on other parties may activate the
      // generation, so nothing on this node may discard it automatically (keys/sweep.ts). A failed activation
      // therefore has no `aborted` hook here.
      await services.vault.markAcknowledged(keyId, generation);
      return createAckSession({ sessionId: ctx.sessionId, self: ctx.self, parties: ctx.parties, auth: ctx.auth, statement: { activate: keyId, generation } });
    },
    async complete(_ok, ctx) {
      const { keyId, generation } = read(ctx.params);
      const record = await services.vault.require(keyId);
      services.decoded.forget(keyId);
      if (record.pending!.parties.includes(ctx.self)) {
        const active = await services.vault.activate(keyId, generation);
        return { generation: active.generation, retired: false };
      }
      await services.vault.retire(keyId);
      return { generation, retired: true };
    },
  };
}
