/** The party node hands its cluster client to the gateway through a cast-free option: it must fit the shape. */
import { expectTypeOf, it } from 'vitest';
import type { ClusterService } from '../../../node/cluster.js';
import type { GatewayCluster } from '../../../api/server/gateway.js';
import type { WalletCluster } from '../../../api/engines/mpc/cluster.js';

it('ClusterService is a GatewayCluster and so a WalletCluster (checked by the type checker)', () => {
  expectTypeOf<ClusterService>().toExtend<GatewayCluster>();
  expectTypeOf<ClusterService>().toExtend<WalletCluster>();
});
