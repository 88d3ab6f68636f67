/** The checks every signing ceremony runs on the key before touching its share. */
import { InvalidInputError } from '../../protocols/errors.js';
import type { KeyProtocol, KeyRecord } from '../keys/key-vault.js';
import type { NodeServices } from '../daemon.js';

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
