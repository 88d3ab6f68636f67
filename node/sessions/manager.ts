/**
 * Runs many protocol sessions at once between node processes. A session starts when some member proposes it;
 * every participant opens its side through the ceremony's handler (which loads and checks local state), and
 * envelopes flow over the transport bound to the authenticated peer. Each round has a deadline; an abort
 * anywhere is propagated to every participant; a result is persisted (handler.complete) before it is reported.
 */
import { randomBytes } from 'node:crypto';
import { InvalidInputError, ProtocolAbort, TransportError, type PartyId } from '../../protocols/errors.js';
import type { WireValue } from '../../protocols/math/wire.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import type { Envelope, PartyAuthenticator } from '../../protocols/round/types.js';
import { decodeNodeMessage, encodeNodeMessage, type NodeMessage } from './messages.js';

export interface FrameTransport {
  send(peerId: string, frame: Uint8Array): Promise<void>;
  onFrame(handler: (fromPeerId: string, frame: Uint8Array) => void): () => void;
}

export interface SessionLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SessionContext {
  sessionId: string;
  ceremony: string;
  parties: PartyId[];
  self: PartyId;
  initiator: PartyId;
  params: WireValue;
  auth: PartyAuthenticator;
}

export interface CeremonyHandler<Result = unknown> {
  /** Check the parameters and local state and build this party's session. Throw InvalidInputError to refuse. */
  open(ctx: SessionContext): Promise<ProtocolSession<Result>>;
  /** Persist the result; only then is it reported. Returns the summary sent to the initiator. */
  complete(result: Result, ctx: SessionContext): Promise<WireValue>;
  /** Undo whatever `open` prepared (e.g. release a reserved presignature). */
  aborted?(ctx: SessionContext, error: Error): Promise<void>;
  /**
   * Runs at request rate (signing, presigning): its sessions' start and end are logged at debug level, since at
   * hundreds a second they would bury everything else (failures are still warnings).
   */
  readonly routine?: boolean;
}

/** Told about round and session ends (metrics). Must not throw. */
export interface SessionObserver {
  roundFinished(ctx: SessionContext, round: number, seconds: number): void;
  sessionFinished(ctx: SessionContext, error?: Error): void;
}

export interface SessionOutcome {
  sessionId: string;
  /** Every participant's completion summary. */
  summaries: Map<PartyId, WireValue>;
}

export interface SessionManagerOptions {
  self: PartyId;
  /** Party id ↔ libp2p peer id for every cluster member. */
  members: ReadonlyMap<PartyId, string>;
  transport: FrameTransport;
  auth: PartyAuthenticator;
  handlers: Record<string, CeremonyHandler<never>>;
  roundTimeoutMs?: number;
  logger?: SessionLogger;
  observer?: SessionObserver;
}

interface Running {
  ctx: SessionContext;
  session?: ProtocolSession<unknown>;
  timer?: NodeJS.Timeout;
  round: number;
  roundStartedAt: number;
  summaries: Map<PartyId, WireValue>;
  /** `handler.complete` has been started for this party's result. */
  completing?: boolean;
  finished: boolean;
  settle?: { resolve(o: SessionOutcome): void; reject(e: Error): void };
}

const MAX_BUFFERED_SESSIONS = 256;
const MAX_BUFFERED_PER_SESSION = 512;
const BUFFER_TTL_MS = 60_000;

const silent: SessionLogger = { debug: () => {}, info: () => {}, warn: () => {} };

export class SessionManager {
  private readonly self: PartyId;
  private readonly members: ReadonlyMap<PartyId, string>;
  private readonly partyOfPeer = new Map<string, PartyId>();
  private readonly transport: FrameTransport;
  private readonly auth: PartyAuthenticator;
  private readonly handlers: Record<string, CeremonyHandler<unknown>>;
  private readonly roundTimeoutMs: number;
  private readonly logger: SessionLogger;
  private readonly observer: SessionObserver | undefined;
  private readonly sessions = new Map<string, Running>();
  private readonly early = new Map<string, { at: number; from: PartyId; message: NodeMessage }[]>();
  private unsubscribe?: () => void;

  constructor(options: SessionManagerOptions) {
    this.self = options.self;
    this.members = options.members;
    for (const [party, peer] of options.members) this.partyOfPeer.set(peer, party);
    this.transport = options.transport;
    this.auth = options.auth;
    this.handlers = options.handlers as Record<string, CeremonyHandler<unknown>>;
    this.roundTimeoutMs = options.roundTimeoutMs ?? 30_000;
    this.logger = options.logger ?? silent;
    this.observer = options.observer;
  }

  start(): void {
    this.unsubscribe = this.transport.onFrame((peer, frame) => this.onFrame(peer, frame));
  }

  stop(): void {
    this.unsubscribe?.();
    for (const running of this.sessions.values()) this.finish(running, new TransportError('node is shutting down'));
  }

  /** Sessions in progress, for status and metrics. */
  active(): { sessionId: string; ceremony: string; round: number; waitingFor: PartyId[] }[] {
    return [...this.sessions.values()]
      .filter((r) => !r.finished)
      .map((r) => ({ sessionId: r.ctx.sessionId, ceremony: r.ctx.ceremony, round: r.session?.round ?? 0, waitingFor: r.session?.waitingFor ?? [] }));
  }

  /** Propose and run a session among `parties` (this node may or may not be one of them). */
  async run(ceremony: string, parties: readonly PartyId[], params: WireValue, sessionId = newSessionId(ceremony)): Promise<SessionOutcome> {
    if (!this.handlers[ceremony]) throw new InvalidInputError(`unknown ceremony "${ceremony}"`);
    for (const p of parties) if (!this.members.has(p)) throw new InvalidInputError(`party ${p} is not a member of this cluster`);
    if (new Set(parties).size !== parties.length) throw new InvalidInputError('"parties" has duplicates');
    const sorted = [...parties].sort((a, b) => a - b);
    const ctx: SessionContext = { sessionId, ceremony, parties: sorted, self: this.self, initiator: this.self, params, auth: this.auth };
    const running: Running = { ctx, round: 0, roundStartedAt: Date.now(), summaries: new Map(), finished: false };
    const outcome = new Promise<SessionOutcome>((resolve, reject) => (running.settle = { resolve, reject }));
    this.sessions.set(sessionId, running);
    this.armTimer(running);
    let session: ProtocolSession<unknown> | undefined;
    try {
      if (sorted.includes(this.self)) session = await this.handlers[ceremony]!.open(ctx);
    } catch (e) {
      this.finish(running, e as Error);
      return outcome;
    }
    const proposal: NodeMessage = { type: 'propose', sessionId, ceremony, parties: sorted, params };
    await Promise.all(sorted.filter((p) => p !== this.self).map((p) => this.sendTo(p, proposal)));
    // Only now does the session take envelopes: a fast peer's round-1 message that arrived while the proposals were
    // still going out waited in the early buffer (a session not yet started would have refused it and lost it).
    if (session && !running.finished) {
      running.session = session;
      this.begin(running);
    }
    return outcome;
  }

  private onFrame(peer: string, frame: Uint8Array): void {
    const from = this.partyOfPeer.get(peer);
    if (from === undefined) return this.logger.warn({ peer }, 'frame from a peer that is not a member: dropped');
    let message: NodeMessage;
    try {
      message = decodeNodeMessage(frame);
    } catch (e) {
      return this.logger.warn({ from, error: (e as Error).message }, 'malformed node message: dropped');
    }
    if (message.type === 'envelope' && message.envelope.from !== from) {
      return this.logger.warn({ from, claimed: message.envelope.from }, 'envelope claims another sender: dropped');
    }
    const sessionId = message.type === 'envelope' ? message.envelope.sessionId : message.sessionId;
    const running = this.sessions.get(sessionId);
    if (message.type === 'propose') {
      if (running) return this.logger.warn({ from, sessionId }, 'duplicate proposal: ignored');
      void this.join(from, message);
      return;
    }
    if (!running || (!running.session && message.type === 'envelope')) return this.buffer(sessionId, from, message);
    this.dispatch(running, from, message);
  }

  private dispatch(running: Running, from: PartyId, message: NodeMessage): void {
    if (running.finished) return;
    switch (message.type) {
      case 'envelope':
        return this.deliver(running, message.envelope);
      case 'abort': {
        if (!running.ctx.parties.includes(from) && from !== running.ctx.initiator) return;
        const error = new ProtocolAbort(`party ${from} aborted: ${message.reason}`, running.session?.round ?? 0, message.culprits, { reportedBy: from });
        running.session?.fail(error);
        return this.finish(running, error, false);
      }
      case 'done':
        if (running.ctx.initiator !== this.self || !running.ctx.parties.includes(from)) return;
        running.summaries.set(from, message.summary);
        return this.maybeResolve(running);
      default:
        return;
    }
  }

  private async join(from: PartyId, proposal: Extract<NodeMessage, { type: 'propose' }>): Promise<void> {
    const ctx: SessionContext = {
      sessionId: proposal.sessionId,
      ceremony: proposal.ceremony,
      parties: proposal.parties,
      self: this.self,
      initiator: from,
      params: proposal.params,
      auth: this.auth,
    };
    const running: Running = { ctx, round: 0, roundStartedAt: Date.now(), summaries: new Map(), finished: false };
    this.sessions.set(ctx.sessionId, running);
    this.armTimer(running);
    try {
      const handler = this.handlers[proposal.ceremony];
      if (!handler) throw new InvalidInputError(`unknown ceremony "${proposal.ceremony}"`);
      if (!proposal.parties.includes(this.self)) throw new InvalidInputError('this node is not a participant');
      for (const p of proposal.parties) if (!this.members.has(p)) throw new InvalidInputError(`party ${p} is not a cluster member`);
      running.session = await handler.open(ctx);
    } catch (e) {
      return this.finish(running, e as Error);
    }
    this.lifecycleLog(ctx, { sessionId: ctx.sessionId, ceremony: ctx.ceremony, initiator: from }, 'joined session');
    this.begin(running);
  }

  private begin(running: Running): void {
    const session = running.session!;
    this.forward(running, session.start().outgoing);
    const buffered = this.early.get(running.ctx.sessionId) ?? [];
    this.early.delete(running.ctx.sessionId);
    for (const item of buffered) this.dispatch(running, item.from, item.message);
    this.afterStep(running);
  }

  private deliver(running: Running, envelope: Envelope): void {
    const session = running.session;
    if (!session) return;
    const step = session.receive(envelope);
    if (step.rejected) this.logger.warn({ sessionId: running.ctx.sessionId, from: envelope.from, reason: step.rejected }, 'envelope rejected');
    this.forward(running, step.outgoing);
    this.afterStep(running);
  }

  private afterStep(running: Running): void {
    const session = running.session!;
    if (session.status === 'aborted') return this.finish(running, session.abort!);
    if (session.status === 'done') {
      void this.completeLocally(running, session.result);
      return;
    }
    if (session.round !== running.round) {
      const now = Date.now();
      if (running.round > 0) this.observer?.roundFinished(running.ctx, running.round, (now - running.roundStartedAt) / 1000);
      running.round = session.round;
      running.roundStartedAt = now;
      this.armTimer(running);
    }
  }

  private async completeLocally(running: Running, result: unknown): Promise<void> {
    // Every later step of a finished session calls this again; persisting the result must happen once.
    if (running.completing || running.finished) return;
    running.completing = true;
    try {
      const summary = await this.handlers[running.ctx.ceremony]!.complete(result, running.ctx);
      running.summaries.set(this.self, summary);
      this.lifecycleLog(running.ctx, { sessionId: running.ctx.sessionId, ceremony: running.ctx.ceremony }, 'session complete');
      if (running.ctx.initiator === this.self) return this.maybeResolve(running);
      await this.sendTo(running.ctx.initiator, { type: 'done', sessionId: running.ctx.sessionId, summary });
      this.finish(running);
    } catch (e) {
      this.finish(running, e as Error);
    }
  }

  private lifecycleLog(ctx: SessionContext, fields: object, msg: string): void {
    if (this.handlers[ctx.ceremony]?.routine) this.logger.debug(fields, msg);
    else this.logger.info(fields, msg);
  }

  private maybeResolve(running: Running): void {
    if (running.ctx.parties.every((p) => running.summaries.has(p))) this.finish(running);
  }

  private forward(running: Running, outgoing: Envelope[]): void {
    for (const envelope of outgoing) {
      const receivers = envelope.to === null ? running.ctx.parties.filter((p) => p !== this.self) : [envelope.to];
      for (const p of receivers) void this.sendTo(p, { type: 'envelope', envelope });
    }
  }

  private async sendTo(party: PartyId, message: NodeMessage): Promise<void> {
    const peer = this.members.get(party);
    if (!peer) return;
    try {
      await this.transport.send(peer, encodeNodeMessage(message));
    } catch (e) {
      this.logger.warn({ party, type: message.type, error: (e as Error).message }, 'send failed');
    }
  }

  private buffer(sessionId: string, from: PartyId, message: NodeMessage): void {
    const now = Date.now();
    for (const [id, items] of this.early) if (now - items[0]!.at > BUFFER_TTL_MS) this.early.delete(id);
    let items = this.early.get(sessionId);
    if (!items) {
      if (this.early.size >= MAX_BUFFERED_SESSIONS) return this.logger.warn({ sessionId }, 'too many unknown sessions buffered: dropped');
      this.early.set(sessionId, (items = []));
    }
    if (items.length < MAX_BUFFERED_PER_SESSION) items.push({ at: now, from, message });
  }

  private armTimer(running: Running): void {
    clearTimeout(running.timer);
    running.timer = setTimeout(() => this.onTimeout(running), this.roundTimeoutMs);
    running.timer.unref?.();
  }

  private onTimeout(running: Running): void {
    if (running.finished) return;
    const session = running.session;
    const waiting =
      session && session.status === 'running'
        ? session.waitingFor
        : running.ctx.parties.filter((p) => !running.summaries.has(p) && p !== this.self);
    const error = new TransportError(
      `session ${running.ctx.sessionId} timed out in round ${session?.round ?? 0} after ${this.roundTimeoutMs} ms waiting for part${waiting.length === 1 ? 'y' : 'ies'} ${waiting.join(', ')}`,
      waiting,
      'session_timeout',
    );
    session?.fail(new ProtocolAbort(error.message, session.round, []));
    this.finish(running, error);
  }

  /** Settle a session once: resolve, or reject and tell every other participant why. */
  private finish(running: Running, error?: Error, notify = true): void {
    if (running.finished) return;
    running.finished = true;
    clearTimeout(running.timer);
    this.observer?.sessionFinished(running.ctx, error);
    setTimeout(() => this.sessions.delete(running.ctx.sessionId), BUFFER_TTL_MS).unref?.();
    if (!error) {
      running.settle?.resolve({ sessionId: running.ctx.sessionId, summaries: running.summaries });
      return;
    }
    this.logger.warn({ sessionId: running.ctx.sessionId, ceremony: running.ctx.ceremony, error: error.message }, 'session failed');
    if (notify) {
      const culprits = error instanceof ProtocolAbort ? [...error.culprits] : error instanceof TransportError ? [...error.parties] : [];
      const reason = error instanceof ProtocolAbort ? error.reason : error.message;
      const notice: NodeMessage = { type: 'abort', sessionId: running.ctx.sessionId, reason, culprits };
      const others = new Set([...running.ctx.parties, running.ctx.initiator].filter((p) => p !== this.self));
      for (const p of others) void this.sendTo(p, notice);
    }
    void this.handlers[running.ctx.ceremony]?.aborted?.(running.ctx, error);
    running.settle?.reject(error);
  }
}

function newSessionId(ceremony: string): string {
  return `${ceremony}-${randomBytes(12).toString('hex')}`;
}
