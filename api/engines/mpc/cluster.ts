/**
 * The slice of the party cluster's client that MPC wallets use. A gateway running inside a party node passes
 * its cluster client as is; tests pass an in-process signer with the same shape.
 */
import { InvalidInputError, ProtocolAbort, TransportError, type PartyId } from '../../../protocols/errors.js';
import { GatewayError } from '../../server/errors.js';
import type { WalletProtocol } from './chains.js';

export interface WalletCluster {
  /** `publicKey`: hex compressed SEC1, or the x-only BIP-341 output key for frost-taproot. */
  keygen(request: { protocol: WalletProtocol; threshold: number; parties: PartyId[]; keyId?: string }): Promise<{ keyId: string; publicKey: string; threshold: number; parties: PartyId[] }>;
  /** `signature`: hex low-s ECDSA r‖s, or 64-byte BIP-340 for frost-taproot. */
  /** `approval.amount`: the whole-unit amount the policy checked; every signing node re-checks it against its own limit. */
  sign(request: { keyId: string; digest: Uint8Array; approval?: { amount?: string } }): Promise<{ signature: string; signers: PartyId[] }>;
  /** The key as it is now: reshares change its committee and generation, never its public key. */
  key(keyId: string): Promise<{ publicKey: string; threshold: number; parties: PartyId[]; generation: number }>;
  /** Erase every holder's share of the key; idempotent (a holder without it reports `alreadyRetired`). */
  retire(keyId: string): Promise<{ retired: PartyId[]; alreadyRetired: PartyId[] }>;
  /** `id`: the node this gateway runs in. It drives every signing, so it must hold a share of each wallet. */
  status(): { id: PartyId; members: ReadonlyArray<{ id: PartyId; connected: boolean }> };
}

export const clusterUnavailable = () =>
  new GatewayError('unavailable', 'cluster_unavailable', 'MPC wallets need the party cluster, and this gateway runs without one');

/**
 * Cluster failures in the gateway's terms: unreachable or silent parties and aborted ceremonies are the
 * cluster's state (503, naming the parties), not the caller's mistake and not a gateway bug.
 */
export async function onCluster<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof TransportError) {
      const who = err.parties.length ? ` (parties ${err.parties.join(', ')})` : '';
      throw new GatewayError('unavailable', 'cluster_unavailable', `${operation} failed: the cluster did not answer${who}: ${err.message}`, { cause: err });
    }
    if (err instanceof ProtocolAbort) {
      throw new GatewayError('unavailable', 'ceremony_aborted', `${operation} aborted: ${err.reason}; blamed parties: ${err.culprits.join(', ') || 'none'}`, { cause: err });
    }
    if (err instanceof InvalidInputError && err.code === 'not_enough_signers') {
      throw new GatewayError('unavailable', 'not_enough_signers', err.message, { cause: err });
    }
    throw err;
  }
}
