/** The checks every signing ceremony runs on the key before touching its share. */
import { InvalidInputError } from '../../protocols/errors.js';
import type { KeyProtocol, KeyRecord } from '../keys/key-vault.js';
import type { NodeServices } from '../daemon.js';
import type { PartyId } from '../../protocols/errors.js';
import type { WireValue } from '../../protocols/math/wire.js';
import { checkApproval } from '../approvals.js';

export async function requireUsableKey(
  services: NodeServices,
  keyId: string,
  protocols: readonly KeyProtocol[],
  options: { allowInactive?: boolean } = {},
): Promise<KeyRecord> {
  const record = await services.vault.require(keyId);
  if (!protocols.includes(record.protocol)) {
    throw new InvalidInputError(`key "${keyId}" is a ${record.protocol} key; this operation needs ${protocols.join(' or ')}`, 'wrong_key_protocol');
  }
  if (record.locked) throw new InvalidInputError(`key "${keyId}" is locked: ${record.locked.reason}`, 'key_locked');
  if (record.pending?.generation === record.generation && !options.allowInactive) {
    throw new InvalidInputError(`key "${keyId}" is not active yet (its keygen has not been confirmed by every party)`, 'key_inactive');
  }
  return record;
}

/** Re-check, on this node, the approval a signing proposal carries (see approvals.ts). */
export function requireApproval(services: NodeServices, params: WireValue, expected: { keyId: string; digest: Uint8Array; signers: readonly PartyId[] }): void {
  const raw = typeof params === 'object' && params !== null && !Array.isArray(params) && !(params instanceof Uint8Array) ? params.approval : undefined;
  checkApproval(raw, expected, {
    approvers: services.config.signingApprovers,
    members: services.members,
    ...(services.config.maxSignAmount !== undefined ? { maxAmount: services.config.maxSignAmount } : {}),
  });
}
