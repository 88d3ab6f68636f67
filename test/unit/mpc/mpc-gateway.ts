/** A real gateway over HTTP whose cluster is the in-process stand-in: the setup both MPC wallet suites share. */
import { startHarness, type Harness } from '../../integration/api/gateway-harness.js';
import type { LuxKMS } from '../../../api/sdk/index.js';
import { LocalCluster } from './local-cluster.js';

export async function startMpcGateway(): Promise<{ h: Harness; cluster: LocalCluster; kms: LuxKMS }> {
  const cluster = new LocalCluster(3);
  const h = await startHarness({ cluster });
  return { h, cluster, kms: h.admin };
}
