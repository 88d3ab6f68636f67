/** FROST ceremonies between nodes: distributed key generation and two-round signing (plain and Taproot). */
import { InvalidInputError } from '../../protocols/errors.js';
import { deserializeKeyShare, frostKeygen, frostSign, isFrostProtocol, serializeKeyShare, validateKeyShare, type FrostKeyShare } from '../../protocols/frost/index.js';
import type { CeremonyHandler } from '../sessions/manager.js';
import type { NodeServices } from '../daemon.js';
import { discardAfterFailure } from '../keys/sweep.js';
import { digestParam, hex, keyIdParam, parseParams } from './params.js';
import { requireApproval, requireUsableKey } from './usable-key.js';

export function frostKeygenCeremony(services: NodeServices): CeremonyHandler<FrostKeyShare> {
  return {
    async open(ctx) {
      const p = parseParams(ctx.params, 'frost-keygen', (r) => ({ keyId: keyIdParam(r), protocol: r.string('protocol', 16), threshold: r.integer('threshold') }));
      if (!isFrostProtocol(p.protocol)) throw new InvalidInputError(`"protocol" expected frost or frost-taproot, got ${p.protocol}`);
      if (await services.vault.get(p.keyId)) throw new InvalidInputError(`key "${p.keyId}" already exists on party ${ctx.self}`, 'key_exists');
      return frostKeygen({ protocol: p.protocol, sessionId: ctx.sessionId, self: ctx.self, parties: ctx.parties, threshold: p.threshold, auth: ctx.auth });
    },
    async complete(share, ctx) {
      const keyId = parseParams(ctx.params, 'frost-keygen', keyIdParam);
      const publicKey = hex(share.publicKey);
      await services.vault.createPending({ keyId, protocol: share.protocol, threshold: share.threshold, parties: share.parties, publicKey }, serializeKeyShare(share), ctx.sessionId);
      return { publicKey };
    },
    async aborted(ctx) {
      await discardAfterFailure(services, ctx, () => ({ keyId: parseParams(ctx.params, 'frost-keygen', keyIdParam) }));
    },
  };
}

export async function loadFrostShare(services: NodeServices, keyId: string, generation: number): Promise<FrostKeyShare> {
  return services.decoded.get(keyId, generation, 'frost-share', async () => {
    const share = deserializeKeyShare(await services.vault.share(keyId, generation));
    validateKeyShare(share);
    return share;
  });
}

export function frostSignCeremony(services: NodeServices): CeremonyHandler<Uint8Array> {
  return {
    async open(ctx) {
      const p = parseParams(ctx.params, 'frost-sign', (r) => ({ keyId: keyIdParam(r), digest: digestParam(r) }));
      const record = await requireUsableKey(services, p.keyId, ['frost', 'frost-taproot']);
      requireApproval(services, ctx.params, { keyId: p.keyId, digest: p.digest, signers: ctx.parties });
      const share = await loadFrostShare(services, p.keyId, record.generation);
      return frostSign({ share, signers: ctx.parties, message: p.digest, sessionId: ctx.sessionId, auth: ctx.auth });
    },
    async complete(signature) {
      return { signature: hex(signature) };
    },
    routine: true,
  };
}
