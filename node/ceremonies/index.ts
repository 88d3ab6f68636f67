/** Every ceremony a party node can join, and the protocol drivers the cluster service runs them with. */
import type { CeremonyFactory } from '../daemon.js';
import type { ProtocolDriver } from '../cluster.js';
import type { KeyProtocol } from '../keys/key-vault.js';
import type { PresignPool } from '../keys/presign-pool.js';
import { cggmp21AuxCeremony, cggmp21KeygenCeremony, cggmp21PresignCeremony, cggmp21RefreshCeremony, cggmp21SignCeremony } from './cggmp21.js';
import { activateCeremony, reshareCeremony } from './reshare.js';
import { RETIRE_CEREMONY, retireCeremony } from './retire.js';
import { cggmp21Driver } from './cggmp21-driver.js';
import { frostKeygenCeremony, frostSignCeremony } from './frost.js';
import { frostDriver } from './frost-driver.js';

export const nodeCeremonies: CeremonyFactory = (services) => ({
  'frost-keygen': frostKeygenCeremony(services) as never,
  'frost-sign': frostSignCeremony(services) as never,
  'cggmp21-keygen': cggmp21KeygenCeremony(services) as never,
  'cggmp21-aux': cggmp21AuxCeremony(services) as never,
  'cggmp21-presign': cggmp21PresignCeremony(services) as never,
  'cggmp21-sign': cggmp21SignCeremony(services) as never,
  'cggmp21-refresh': cggmp21RefreshCeremony(services) as never,
  'lss-reshare': reshareCeremony(services) as never,
  'lss-activate': activateCeremony(services) as never,
  [RETIRE_CEREMONY]: retireCeremony(services) as never,
});

export function protocolDrivers(pool: PresignPool): Record<KeyProtocol, ProtocolDriver> {
  return { frost: frostDriver, 'frost-taproot': frostDriver, cggmp21: cggmp21Driver(pool) };
}
