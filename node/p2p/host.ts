/**
 * The party node's libp2p host: TCP + Noise + Yamux, reachable only by cluster members, carrying MPC frames on one
 * protocol. Each peer gets one long-lived outbound stream (opening a stream costs a few ms, a frame a few µs), frames
 * to one peer leave in call order, and a member that drops is redialled with backoff until it is back.
 */
import './polyfill.js';
import { setMaxListeners } from 'node:events';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Connection, ConnectionGater, Ed25519PrivateKey, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { InvalidInputError, TransportError } from '../../protocols/errors.js';
import { jitter, raceAbort, sleep } from './abort.js';
import { describeValue } from './describe.js';
import { HostStoppedError, NotClusterMemberError, PeerUnreachableError } from './errors.js';
import { assertMaxFrameBytes, decodeFrames, DEFAULT_MAX_FRAME_BYTES, encodeFrame } from './frames.js';
import { identityFromKey } from './identity.js';
import { type ClusterMember, type Member, parseMembers, parseMultiaddr } from './members.js';
import { CLOSE_GRACE_MS, closeStream, drain, isWritable, needsToWait } from './stream-io.js';

export type { ClusterMember } from './members.js';

export const MPC_PROTOCOL = '/luxkms/mpc/1.0.0';

/** Structured logger; pino's `warn(obj, msg)` shape fits. */
export interface HostLogger {
  warn(context: Record<string, unknown>, message: string): void;
  debug(context: Record<string, unknown>, message: string): void;
}

export interface PartyHostInit {
  privateKey: Ed25519PrivateKey;
  /** Listen multiaddrs, e.g. `/ip4/127.0.0.1/tcp/0`. */
  listen: readonly string[];
  /** Every peer allowed to connect. May include this node itself (it is skipped). */
  members: readonly ClusterMember[];
  maxFrameBytes?: number;
  /** Deadline for one dial or stream open. */
  dialTimeoutMs?: number;
  /** How long a frame may wait for a full stream to drain before the stream counts as stuck and is replaced. */
  writeTimeoutMs?: number;
  /** Redial backoff after a member drops: doubles from `initialMs` up to `maxMs`, with jitter. */
  reconnect?: { initialMs: number; maxMs: number };
  logger?: HostLogger;
}

export type FrameHandler = (fromPeerId: string, frame: Uint8Array) => void;

export interface SendOptions {
  signal?: AbortSignal;
}

type Services = { ping: Ping; identify: unknown };

const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
const DEFAULT_WRITE_TIMEOUT_MS = 30_000;
const DEFAULT_RECONNECT = { initialMs: 100, maxMs: 5_000 };
const DEFAULT_CONNECT_ALL_TIMEOUT_MS = 30_000;
/** Streams buffer unread bytes until the reader attaches; a whole frame plus one muxer window must fit. */
const READ_BUFFER_SLACK = 1024 * 1024;
/** One inbound MPC stream per member is normal; a few more cover streams replaced after a redial. */
const MAX_MPC_STREAMS_PER_CONNECTION = 8;
/** Ping's spec limits (1 out, 2 in) collide with libp2p's own connection monitor, which pings on the same protocol. */
const PING_STREAMS = 4;
/** Cluster members on one machine legitimately reconnect in bursts; libp2p's default of 5/s per host is too low. */
const INBOUND_CONNECTION_THRESHOLD = 1_000;

const noopLogger: HostLogger = { warn: () => undefined, debug: () => undefined };

export class PartyHost {
  readonly peerId: string;
  private readonly privateKey: Ed25519PrivateKey;
  private readonly listen: readonly string[];
  private readonly maxFrameBytes: number;
  private readonly dialTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly reconnect: { initialMs: number; maxMs: number };
  private readonly log: HostLogger;
  private members: Map<string, Member>;
  private readonly handlers = new Set<FrameHandler>();

  private node: Libp2p<Services> | undefined;
  /** Aborted by stop(): cancels dials, redial loops and queued sends of this run. */
  private lifecycle = new AbortController();
  private readonly outbound = new Map<string, Stream>();
  private readonly opening = new Map<string, Promise<Stream>>();
  private readonly inbound = new Set<Stream>();
  /** Tail of each peer's send queue: chaining on it keeps frames to one peer in call order. */
  private readonly sendTails = new Map<string, Promise<void>>();
  private readonly redialing = new Set<string>();

  constructor(init: PartyHostInit) {
    if (typeof init !== 'object' || init === null) {
      throw new TypeError(`"init" expected object, got ${describeValue(init)}`);
    }
    if (init.privateKey?.type !== 'Ed25519') {
      throw new TypeError(`"privateKey" expected an Ed25519 private key, got ${describeValue(init.privateKey)}`);
    }
    const identity = identityFromKey(init.privateKey);
    this.privateKey = init.privateKey;
    this.peerId = identity.peerId;
    if (!Array.isArray(init.listen) || init.listen.length === 0) {
      throw new TypeError(`"listen" expected non-empty array of multiaddr strings, got ${describeValue(init.listen)}`);
    }
    init.listen.forEach((addr, i) => parseMultiaddr(`listen[${i}]`, addr));
    this.listen = [...init.listen];
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    assertMaxFrameBytes(this.maxFrameBytes);
    this.dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    assertPositiveInteger('dialTimeoutMs', this.dialTimeoutMs);
    this.writeTimeoutMs = init.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    assertPositiveInteger('writeTimeoutMs', this.writeTimeoutMs);
    this.reconnect = init.reconnect ?? DEFAULT_RECONNECT;
    assertPositiveInteger('reconnect.initialMs', this.reconnect.initialMs);
    assertPositiveInteger('reconnect.maxMs', this.reconnect.maxMs);
    if (this.reconnect.maxMs < this.reconnect.initialMs) {
      const { initialMs, maxMs } = this.reconnect;
      throw new RangeError(`"reconnect.maxMs" expected >= initialMs (${initialMs}), got ${maxMs}`);
    }
    this.log = init.logger ?? noopLogger;
    this.members = parseMembers(init.members, this.peerId);
  }

  get running(): boolean {
    return this.node !== undefined && !this.lifecycle.signal.aborted;
  }

  async start(): Promise<void> {
    if (this.node !== undefined) return;
    this.lifecycle = new AbortController();
    // Every redial loop, connectAll and queued send of this run listens on it.
    setMaxListeners(Infinity, this.lifecycle.signal);
    const node = await createLibp2p({
      privateKey: this.privateKey,
      addresses: { listen: [...this.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ streamOptions: { maxReadBufferLength: this.maxFrameBytes + READ_BUFFER_SLACK } })],
      connectionGater: this.gater(),
      connectionManager: { inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD },
      // A party proving CGGMP21 statements keeps its event loop busy for seconds; a missed ping then is load, not a
      // dead peer, and aborting the connection would lose that round's frames. Round deadlines detect dead peers.
      connectionMonitor: { abortConnectionOnPingFailure: false },
      services: {
        identify: identify(),
        ping: ping({ maxInboundStreams: PING_STREAMS, maxOutboundStreams: PING_STREAMS }),
      },
      start: false,
    });
    // Registered before start so a member that connects at once never finds the protocol missing.
    await node.handle(MPC_PROTOCOL, (stream, connection) => this.acceptStream(stream, connection), {
      maxInboundStreams: MAX_MPC_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_MPC_STREAMS_PER_CONNECTION,
    });
    node.addEventListener('peer:disconnect', this.onPeerDisconnect);
    try {
      await node.start();
      await this.rememberAddresses(node, this.members);
    } catch (err) {
      await Promise.resolve(node.stop()).catch(() => undefined); // the start error is the one worth reporting
      if ((err as Error).name !== 'UnsupportedListenAddressesError') throw err;
      // libp2p's message is advice about its own options, then one "<addr>: <error>" line per address (plus stacks).
      const causes = (err as Error).message
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('/'));
      throw new TransportError(`cannot listen: ${causes.join('; ')}`, [], 'listen_failed');
    }
    this.node = node;
  }

  /** Closes every MPC stream on our side (so peers' readers end cleanly), then the connections. */
  async stop(): Promise<void> {
    const node = this.node;
    if (node === undefined) return;
    this.lifecycle.abort(new HostStoppedError('party host stopped'));
    node.removeEventListener('peer:disconnect', this.onPeerDisconnect);
    await node.unhandle(MPC_PROTOCOL);
    await Promise.all([...this.outbound.values(), ...this.inbound].map(closeStream));
    // Closing connections ourselves first: when both ends stop at once, libp2p's own stop otherwise waits out a
    // fixed 500 ms for close events that already happened.
    await Promise.all(
      node.getConnections().map((conn) =>
        conn.close({ signal: AbortSignal.timeout(CLOSE_GRACE_MS) }).catch((err: unknown) => {
          conn.abort(err instanceof Error ? err : new Error(String(err)));
        }),
      ),
    );
    await node.stop();
    this.node = undefined;
    this.outbound.clear();
    this.opening.clear();
    this.inbound.clear();
    this.sendTails.clear();
  }

  /** Registers a receiver of every frame from every member; returns its removal. */
  onFrame(handler: FrameHandler): () => void {
    if (typeof handler !== 'function') {
      throw new TypeError(`"handler" expected function, got ${describeValue(handler)}`);
    }
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * Queues `frame` for `peerId` and resolves once it is handed to the peer's stream. Frames to one peer keep their
   * call order. If the stream turns out broken, it is reopened (dialling if needed) and the frame sent once more;
   * frames already queued on the broken stream may be lost, which the protocol's round deadlines detect.
   */
  async send(peerId: string, frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    this.requireRunning();
    this.requireMember(peerId);
    const bytes = encodeFrame(frame, this.maxFrameBytes);
    const { signal } = options;
    signal?.throwIfAborted();
    const previous = this.sendTails.get(peerId);
    if (previous === undefined && this.trySendNow(peerId, bytes)) return;
    const job = (previous ?? Promise.resolve()).then(() => this.writeFrame(peerId, bytes, signal));
    const tail = job.then(
      () => undefined,
      () => undefined,
    );
    this.sendTails.set(peerId, tail);
    void tail.then(() => {
      if (this.sendTails.get(peerId) === tail) this.sendTails.delete(peerId);
    });
    return raceAbort(job, signal);
  }

  /**
   * Resolves once every member has answered a ping, so each connection is known to be accepted by the other side
   * (a gater refuses only after the handshake, so "connected" alone can be a connection about to be dropped), and
   * the MPC stream to each is open.
   * Members with addresses are dialled with backoff; members without are waited for (they dial us). On deadline
   * (default 30 s) the error names the members still missing.
   */
  async connectAll(options: SendOptions = {}): Promise<void> {
    this.requireRunning();
    const deadline = options.signal ?? AbortSignal.timeout(DEFAULT_CONNECT_ALL_TIMEOUT_MS);
    const signal = AbortSignal.any([deadline, this.lifecycle.signal]);
    const missing = new Set(this.members.keys());
    try {
      await Promise.all([...missing].map((id) => this.reach(id, signal).then(() => missing.delete(id))));
    } catch (err) {
      this.requireRunning();
      if (!deadline.aborted) throw err;
      const ids = [...missing].sort();
      throw new PeerUnreachableError(
        `not connected to ${ids.length} of ${this.members.size} cluster members: ${ids.join(', ')}`,
        ids,
        { cause: deadline.reason },
      );
    }
  }

  /** Members with an open connection right now, sorted. */
  connectedPeers(): string[] {
    return [...this.members.keys()].filter((id) => this.isConnected(id)).sort();
  }

  /** Addresses this host listens on, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[] {
    return this.requireRunning()
      .getMultiaddrs()
      .map((addr) => addr.toString());
  }

  /** Round-trip time to a member in milliseconds (libp2p ping protocol), dialling first if needed. */
  async ping(peerId: string, options: SendOptions = {}): Promise<number> {
    const node = this.requireRunning();
    const member = this.requireMember(peerId);
    const start = performance.now();
    try {
      await node.services.ping.ping(member.id, { signal: options.signal ?? AbortSignal.timeout(this.dialTimeoutMs) });
    } catch (err) {
      options.signal?.throwIfAborted();
      throw new PeerUnreachableError(`ping to ${peerId} failed: ${errorMessage(err)}`, [peerId], { cause: err });
    }
    // libp2p reports whole milliseconds; loopback round trips are a fraction of one, so time it here.
    return performance.now() - start;
  }

  /**
   * Replaces the member list (e.g. after resharing adds or removes parties). Removed peers are disconnected at once
   * and refused from then on; added ones become dialable.
   */
  async setMembers(members: readonly ClusterMember[]): Promise<void> {
    const next = parseMembers(members, this.peerId);
    const removed = [...this.members].filter(([key]) => !next.has(key));
    this.members = next;
    const node = this.node;
    if (node === undefined) return;
    await this.rememberAddresses(node, next);
    await Promise.all(
      removed.map(async ([key, member]) => {
        const stream = this.outbound.get(key);
        if (stream !== undefined) this.discardOutbound(key, stream);
        await node.hangUp(member.id).catch(() => undefined);
      }),
    );
  }

  private gater(): ConnectionGater {
    // The encrypted-connection hooks are the first point where the remote's peer id is proven (Noise handshake).
    const refuse = (peer: PeerId): boolean => {
      const denied = !this.members.has(peer.toString());
      if (denied) this.log.warn({ peer: peer.toString() }, 'refused connection from a peer outside the cluster');
      return denied;
    };
    return {
      denyDialPeer: (peer) => !this.members.has(peer.toString()),
      denyInboundEncryptedConnection: refuse,
      denyOutboundEncryptedConnection: refuse,
    };
  }

  private async reach(peerId: string, signal: AbortSignal): Promise<void> {
    let delay = this.reconnect.initialMs;
    for (;;) {
      signal.throwIfAborted();
      const node = this.requireRunning();
      const member = this.requireMember(peerId);
      try {
        if (member.multiaddrs.length === 0) await this.connection(peerId, signal);
        const attempt = AbortSignal.any([signal, AbortSignal.timeout(this.dialTimeoutMs)]);
        await node.services.ping.ping(member.id, { signal: attempt });
        // Open the MPC stream now, so a session's first message does not pay for protocol negotiation.
        await this.outboundStream(peerId, attempt);
        return;
      } catch (err) {
        signal.throwIfAborted();
        this.log.debug({ peer: peerId, err }, 'member not reachable yet');
      }
      if (!(await sleep(jitter(delay), signal))) signal.throwIfAborted();
      delay = Math.min(delay * 2, this.reconnect.maxMs);
    }
  }

  /** Resolves when `peerId` has an open connection (either direction). */
  private connection(peerId: string, signal: AbortSignal): Promise<void> {
    const node = this.requireRunning();
    if (this.isConnected(peerId)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onConnect = (evt: CustomEvent<PeerId>): void => {
        if (evt.detail.toString() !== peerId) return;
        cleanup();
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal.reason);
      };
      const cleanup = (): void => {
        node.removeEventListener('peer:connect', onConnect);
        signal.removeEventListener('abort', onAbort);
      };
      node.addEventListener('peer:connect', onConnect);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private acceptStream(stream: Stream, connection: Connection): void {
    const from = connection.remotePeer.toString();
    // The gater already refused non-members; this covers a member removed while its connection was open.
    if (!this.members.has(from)) {
      stream.abort(new NotClusterMemberError(from));
      return;
    }
    this.inbound.add(stream);
    void this.readFrames(stream, from).finally(() => this.inbound.delete(stream));
  }

  private async readFrames(stream: Stream, from: string): Promise<void> {
    try {
      for await (const frame of decodeFrames(stream, this.maxFrameBytes)) this.deliver(from, frame);
      // The sender closed its side; closing ours completes the stream so it stops counting against the limit.
      await closeStream(stream);
    } catch (err) {
      if (stream.status === 'open') {
        this.log.warn({ peer: from, err }, 'resetting MPC stream after a bad frame');
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private deliver(from: string, frame: Uint8Array): void {
    for (const handler of this.handlers) {
      try {
        handler(from, frame);
      } catch (err) {
        // One faulty consumer must not stop the stream that every session shares.
        this.log.warn({ peer: from, err }, 'frame handler threw');
      }
    }
  }

  /**
   * The common case without a promise chain: nothing queued for the peer and its stream takes data now. Anything
   * else (no stream yet, a backlog, a broken stream) goes through the queue, which opens or replaces the stream.
   */
  private trySendNow(peerId: string, bytes: Uint8Array): boolean {
    const stream = this.outbound.get(peerId);
    if (stream === undefined || !isWritable(stream) || needsToWait(stream)) return false;
    try {
      stream.send(bytes);
      return true;
    } catch {
      return false;
    }
  }

  private async writeFrame(peerId: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      signal?.throwIfAborted();
      this.requireRunning();
      let stream: Stream | undefined;
      try {
        stream = await this.outboundStream(peerId, signal);
        if (needsToWait(stream)) {
          // Bounded even without a caller signal: every later frame to this peer waits behind this one.
          const deadline = AbortSignal.timeout(this.writeTimeoutMs);
          const waitSignal = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
          while (needsToWait(stream)) await drain(stream, waitSignal);
        }
        stream.send(bytes);
        return;
      } catch (err) {
        signal?.throwIfAborted();
        this.requireRunning();
        lastError = err;
        if (stream !== undefined) this.discardOutbound(peerId, stream);
        this.log.debug({ peer: peerId, attempt, err }, 'MPC stream write failed');
      }
    }
    throw new PeerUnreachableError(`cannot send to ${peerId}: ${errorMessage(lastError)}`, [peerId], {
      cause: lastError,
    });
  }

  private outboundStream(peerId: string, signal: AbortSignal | undefined): Promise<Stream> {
    const current = this.outbound.get(peerId);
    if (current !== undefined) {
      if (isWritable(current)) return Promise.resolve(current);
      this.discardOutbound(peerId, current);
    }
    let pending = this.opening.get(peerId);
    if (pending === undefined) {
      // Shared by every send queued meanwhile, so it obeys the host's deadline rather than one caller's signal.
      pending = this.openStream(peerId).finally(() => this.opening.delete(peerId));
      this.opening.set(peerId, pending);
    }
    return raceAbort(pending, signal);
  }

  private async openStream(peerId: string): Promise<Stream> {
    const node = this.requireRunning();
    const member = this.requireMember(peerId);
    const signal = AbortSignal.any([this.lifecycle.signal, AbortSignal.timeout(this.dialTimeoutMs)]);
    const stream = await node.dialProtocol(member.id, MPC_PROTOCOL, { signal });
    const forget = (): void => {
      if (this.outbound.get(peerId) === stream) this.outbound.delete(peerId);
    };
    stream.addEventListener('close', forget, { once: true });
    // The receiver only closes its side when it is going away; stop using the stream and finish closing it.
    stream.addEventListener('remoteCloseWrite', () => this.discardOutbound(peerId, stream), { once: true });
    this.outbound.set(peerId, stream);
    return stream;
  }

  private discardOutbound(peerId: string, stream: Stream): void {
    if (this.outbound.get(peerId) === stream) this.outbound.delete(peerId);
    void closeStream(stream);
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    if (!this.members.has(id) || !this.running) return;
    this.log.debug({ peer: id }, 'member disconnected, redialling');
    this.keepDialing(id);
  };

  /** Dials `peerId` with exponential backoff until connected, removed from the cluster, or the host stops. */
  private keepDialing(peerId: string): void {
    const member = this.members.get(peerId);
    if (member === undefined || member.multiaddrs.length === 0 || this.redialing.has(peerId)) return;
    this.redialing.add(peerId);
    const stopped = this.lifecycle.signal;
    void (async () => {
      // The first attempt waits too: a member that just dropped is usually still restarting.
      let delay = this.reconnect.initialMs;
      for (;;) {
        if (!(await sleep(jitter(delay), stopped))) return;
        const node = this.node;
        if (stopped.aborted || node === undefined || !this.members.has(peerId) || this.isConnected(peerId)) return;
        try {
          await node.dial(member.id, { signal: AbortSignal.any([stopped, AbortSignal.timeout(this.dialTimeoutMs)]) });
          return;
        } catch (err) {
          if (stopped.aborted) return;
          this.log.debug({ peer: peerId, err }, 'dial failed, will retry');
        }
        delay = Math.min(delay * 2, this.reconnect.maxMs);
      }
    })().finally(() => this.redialing.delete(peerId));
  }

  private isConnected(peerId: string): boolean {
    const member = this.members.get(peerId);
    if (member === undefined || this.node === undefined) return false;
    return this.node.getConnections(member.id).some((conn) => conn.status === 'open');
  }

  private async rememberAddresses(node: Libp2p<Services>, members: Map<string, Member>): Promise<void> {
    for (const member of members.values()) {
      if (member.multiaddrs.length > 0) await node.peerStore.merge(member.id, { multiaddrs: [...member.multiaddrs] });
    }
  }

  private requireRunning(): Libp2p<Services> {
    if (this.node === undefined || this.lifecycle.signal.aborted) throw new HostStoppedError();
    return this.node;
  }

  private requireMember(peerId: string): Member {
    if (typeof peerId !== 'string') throw new TypeError(`"peerId" expected string, got ${describeValue(peerId)}`);
    if (peerId === this.peerId) throw new InvalidInputError(`"peerId" expected another member, got this node's own id`);
    const member = this.members.get(peerId);
    if (member === undefined) throw new NotClusterMemberError(peerId);
    return member;
  }
}

function assertPositiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`"${field}" expected integer, got ${describeValue(value)}`);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`"${field}" expected integer >= 1, got ${value}`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
