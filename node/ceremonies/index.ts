/** Every ceremony a party node can join, and the protocol drivers the cluster service runs them with. */
import type { CeremonyFactory } from '../daemon.js';
import type { ProtocolDriver } from '../cluster.js';
import type { KeyProtocol } from '../keys/key-vault.js';
import { frostKeygenCeremony, frostSignCeremony } from './frost.js';
import { frostDriver } from './frost-driver.js';

export const nodeCeremonies: CeremonyFactory = (services) => ({
  'frost-keygen': frostKeygenCeremony(services) as never,
  'frost-sign': frostSignCeremony(services) as never,
});

export const protocolDrivers: Partial<Record<KeyProtocol, ProtocolDriver>> = {
  frost: frostDriver,
  'frost-taproot': frostDriver,
};
