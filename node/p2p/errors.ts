/** Errors of the party host. Each refines one of the shared classes so the HTTP/CLI mapping still applies. */
import { InvalidInputError, TransportError } from '../../protocols/errors.js';

/** A frame over the size cap: the caller's (RangeError) when sending, the peer's when receiving. */
export class FrameTooLargeError extends RangeError {
  readonly code = 'frame_too_large';
  readonly limit: number;
  constructor(message: string, limit: number) {
    super(message);
    this.name = 'FrameTooLargeError';
    this.limit = limit;
  }
}

/** The named cluster members could not be reached (dial or stream failed, or the deadline passed first). */
export class PeerUnreachableError extends TransportError {
  readonly peerIds: readonly string[];
  constructor(message: string, peerIds: readonly string[], options?: { cause?: unknown }) {
    super(message, [], 'peer_unreachable');
    this.name = 'PeerUnreachableError';
    this.peerIds = peerIds;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The host is not running (never started, or stopped while the operation waited). */
export class HostStoppedError extends TransportError {
  constructor(message = 'party host is not running') {
    super(message, [], 'host_stopped');
    this.name = 'HostStoppedError';
  }
}

/** A peer id that is not in the cluster member list was used as a destination. */
export class NotClusterMemberError extends InvalidInputError {
  readonly peerId: string;
  constructor(peerId: string) {
    super(`"peerId" expected a cluster member, got ${peerId}`, 'not_cluster_member');
    this.name = 'NotClusterMemberError';
    this.peerId = peerId;
  }
}
