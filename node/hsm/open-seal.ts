/**
 * The one entry point a node uses to get its Seal from configuration: an HSM provider preset (see providers.ts)
 * or the embedded passphrase seal.
 */
import { InvalidInputError } from '../../protocols/errors.js';
import { Pkcs11Seal } from './pkcs11-seal.js';
import { resolveHsmConfig, type HsmConfig } from './providers.js';
import type { Seal } from './seal.js';
import { createSoftwareSeal } from './software-seal.js';

export interface SoftwareSealConfig {
  provider: 'software';
  passphrase: string;
  /** The node's persisted random salt (`generateSalt()` on `node init`). */
  salt: Uint8Array;
}

export type SealConfig = SoftwareSealConfig | HsmConfig;

export async function openSeal(config: SealConfig): Promise<Seal> {
  if (typeof config !== 'object' || config === null) throw new InvalidInputError(`seal config expected object, got ${config === null ? 'null' : typeof config}`);
  if (config.provider === 'software') {
    try {
      return await createSoftwareSeal({ passphrase: config.passphrase, salt: config.salt });
    } catch (cause) {
      // The passphrase and salt come from the operator's configuration: report them as the caller's mistake.
      if (cause instanceof TypeError || cause instanceof RangeError) throw new InvalidInputError(`software seal: ${cause.message}`);
      throw cause;
    }
  }
  return Pkcs11Seal.open(resolveHsmConfig(config));
}
