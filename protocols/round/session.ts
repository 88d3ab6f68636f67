/**
 * The round engine: drives one party's protocol instance. It owns every envelope rule (session, protocol,
 * known sender, addressed to us, signature, no duplicates, right kind for the round), buffers early
 * messages, runs the echo check, and turns any failed check into a `ProtocolAbort` that names the sender.
 */
import { MalformedError, ProtocolAbort, type PartyId } from '../errors.js';
import { envelopeDigest } from './envelope.js';
import { encodeEcho, type EchoEntry } from './echo.js';
import { PendingEcho } from './pending-echo.js';
import type { WireValue } from '../math/wire.js';
import type { EchoAttachment, Envelope, MessageKind, Outgoing, PartyAuthenticator, Round, Transition } from './types.js';

/** How far ahead of the current round a message may be and still be kept for later. */
const MAX_ROUNDS_AHEAD = 4;

export interface SessionOptions<Result> {
  sessionId: string;
  protocol: string;
  self: PartyId;
  parties: readonly PartyId[];
  auth: PartyAuthenticator;
  /** Builds the first transition: the first round's outgoing messages and the state that receives them. */
  start: () => Transition<Result>;
}

export interface StepOutput {
  outgoing: Envelope[];
  /** Why an incoming envelope was dropped without blame (wrong session, forged signature, duplicate …). */
  rejected?: string;
}

interface Slot {
  broadcast?: Envelope;
  /** The digest the broadcast's signature was checked against, reused by this party's echo. */
  broadcastDigest?: Uint8Array;
  p2p?: Envelope;
}

export type SessionStatus = 'idle' | 'running' | 'done' | 'aborted';

export class ProtocolSession<Result> {
  readonly sessionId: string;
  readonly protocol: string;
  readonly self: PartyId;
  readonly parties: readonly PartyId[];
  private readonly auth: PartyAuthenticator;
  private readonly startFn: () => Transition<Result>;

  private current: Round<Result> | undefined;
  private lastRound = 0;
  private readonly inbox = new Map<number, Map<PartyId, Slot>>();
  private accepted = new Set<string>();
  private ownBroadcast: { digest: Uint8Array; signature: Uint8Array } | undefined;
  /** Echoes received, by the round they echo and their sender, whichever envelope carried them. */
  private readonly echoes = new Map<number, Map<PartyId, WireValue>>();
  /** The last echoed round, until every other speaker's echo of it matched ours. */
  private pendingEcho: PendingEcho | undefined;
  /** How the protocol ended (result or verdict), held back until the echoes of its last round are in. */
  private held: { result: Result } | { abort: ProtocolAbort } | undefined;
  private status_: SessionStatus = 'idle';
  private result_: Result | undefined;
  private abort_: ProtocolAbort | undefined;

  constructor(options: SessionOptions<Result>) {
    const parties = [...options.parties];
    if (!parties.includes(options.self)) throw new RangeError(`party ${options.self} is not in the session's party list`);
    if (new Set(parties).size !== parties.length) throw new RangeError('session party list has duplicates');
    this.sessionId = options.sessionId;
    this.protocol = options.protocol;
    this.self = options.self;
    this.parties = parties;
    this.auth = options.auth;
    this.startFn = options.start;
  }

  get status(): SessionStatus {
    return this.status_;
  }
  get result(): Result | undefined {
    return this.result_;
  }
  get abort(): ProtocolAbort | undefined {
    return this.abort_;
  }
  /** The round being received, or the last one while its ending waits for echoes. */
  get round(): number {
    return this.current?.number ?? this.lastRound;
  }
  /** Parties whose messages (or echoes) this party still waits for (the node names them on a timeout). */
  get waitingFor(): PartyId[] {
    if (this.status_ !== 'running') return [];
    const waiting = new Set(this.pendingEcho?.missing ?? []);
    const round = this.current;
    if (round) {
      const slots = this.inbox.get(round.number);
      for (const p of this.sendersOf(round)) {
        const s = slots?.get(p);
        if (!((!round.expects.broadcast || s?.broadcast) && (!round.expects.p2p || s?.p2p))) waiting.add(p);
      }
    }
    return this.parties.filter((p) => waiting.has(p));
  }

  start(): StepOutput {
    if (this.status_ !== 'idle') throw new Error('session already started');
    this.status_ = 'running';
    const outgoing: Envelope[] = [];
    this.guard(() => {
      this.apply(this.startFn(), outgoing, undefined);
      this.progress(outgoing);
    });
    return { outgoing };
  }

  receive(env: Envelope): StepOutput {
    const outgoing: Envelope[] = [];
    if (this.status_ !== 'running') return { outgoing, rejected: `session is ${this.status_}` };
    const rejected = this.admit(env);
    if (rejected) return { outgoing, rejected };
    this.guard(() => this.progress(outgoing));
    return { outgoing };
  }

  /** Abort from outside (deadline passed, a peer reported an abort). */
  fail(abort: ProtocolAbort): void {
    if (this.status_ === 'running' || this.status_ === 'idle') {
      this.status_ = 'aborted';
      this.abort_ = abort;
    }
  }

  /** Envelope rules that need no round state. Returns a rejection reason, or stores the envelope. */
  private admit(env: Envelope): string | undefined {
    if (env.sessionId !== this.sessionId) return `wrong session ${env.sessionId}`;
    if (env.protocol !== this.protocol) return `wrong protocol ${env.protocol}`;
    if (env.from === this.self || !this.parties.includes(env.from)) return `unknown sender ${env.from}`;
    if (env.to !== null && env.to !== this.self) return `message addressed to party ${env.to}`;
    if (env.kind === 'echo' && (env.to !== null || env.echo)) return 'echo must be broadcast and carry its entries as payload';
    if (env.echo && env.echo.round >= env.round) return `round ${env.round} message echoes round ${env.echo.round}, not an earlier one`;
    // A stand-alone echo of the round just finished arrives after this party moved on from it.
    const lateEcho = env.kind === 'echo' && this.pendingEcho?.round === env.round;
    const currentRound = this.round;
    if (!lateEcho) {
      if (env.round < currentRound) return `stale message for round ${env.round} (now in round ${currentRound})`;
      if (env.round > currentRound + MAX_ROUNDS_AHEAD) return `message for round ${env.round} is too far ahead`;
    }
    const digest = envelopeDigest(env);
    if (!this.auth.verify(env.from, digest, env.signature)) return `bad signature from party ${env.from}`;
    const echo = env.kind === 'echo' ? { round: env.round, entries: env.payload } : env.echo;
    if (echo && echo.round < currentRound && echo.round !== this.pendingEcho?.round) return `stale echo of round ${echo.round}`;
    let echoes = echo && this.echoes.get(echo.round);
    if (echo && echoes?.has(env.from)) return `duplicate echo from party ${env.from} for round ${echo.round}`;
    if (env.kind === 'message') {
      let byParty = this.inbox.get(env.round);
      if (!byParty) this.inbox.set(env.round, (byParty = new Map()));
      let slot = byParty.get(env.from);
      if (!slot) byParty.set(env.from, (slot = {}));
      const key = env.to === null ? 'broadcast' : 'p2p';
      if (slot[key]) return `duplicate ${key} from party ${env.from} for round ${env.round}`;
      slot[key] = env;
      if (key === 'broadcast') slot.broadcastDigest = digest;
    }
    if (echo) {
      if (!echoes) this.echoes.set(echo.round, (echoes = new Map()));
      echoes.set(env.from, echo.entries);
    }
    return undefined;
  }

  private sendersOf(round: Round<Result>): PartyId[] {
    return (round.senders ?? this.parties).filter((p) => p !== this.self);
  }

  private echoRequired(round: Round<Result>): boolean {
    return Boolean(round.echo && round.expects.broadcast && this.sendersOf(round).length > 0);
  }

  /** Feed the current round everything it can take; finalize and advance while rounds complete. */
  private progress(outgoing: Envelope[]): void {
    while (this.status_ === 'running') {
      if (this.pendingEcho) {
        this.pendingEcho.checkReceived(this.echoes.get(this.pendingEcho.round));
        if (!this.pendingEcho.complete) return;
        this.echoes.delete(this.pendingEcho.round);
        this.pendingEcho = undefined;
      }
      if (this.held) {
        if ('abort' in this.held) throw this.held.abort;
        return this.finish(this.held.result);
      }
      const round = this.current!;
      const senders = this.sendersOf(round);
      const slots = this.inbox.get(round.number) ?? new Map<PartyId, Slot>();
      for (const [from, slot] of slots) {
        if (!senders.includes(from)) throw new ProtocolAbort(`party ${from} sent a message in a round where it does not speak`, round.number, [from]);
        this.deliver(round, from, 'broadcast', slot.broadcast);
        this.deliver(round, from, 'p2p', slot.p2p);
      }
      const allIn = senders.every((p) => {
        const s = slots.get(p);
        return (!round.expects.broadcast || s?.broadcast) && (!round.expects.p2p || s?.p2p);
      });
      if (!allIn) return;
      this.complete(round, slots, outgoing);
    }
  }

  /**
   * Every message of `round` is in and every earlier echo matched: run the round. When it is echoed, its echo
   * check starts here and gates whatever comes next, including the protocol's end (result or verdict).
   */
  private complete(round: Round<Result>, slots: Map<PartyId, Slot>, outgoing: Envelope[]): void {
    const mine = this.echoRequired(round) ? this.echoOf(round, slots) : undefined;
    this.inbox.delete(round.number);
    this.lastRound = round.number;
    if (!mine) return this.apply(round.finalize(), outgoing, undefined);
    const speakers = this.echoParties(round);
    this.pendingEcho = new PendingEcho(round.number, mine, speakers, this.sendersOf(round), this.auth);
    const echo = speakers.includes(this.self) ? { round: round.number, entries: encodeEcho(mine) } : undefined;
    let transition: Transition<Result>;
    try {
      transition = round.finalize();
    } catch (e) {
      if (!(e instanceof ProtocolAbort)) throw e;
      this.held = { abort: e };
      this.current = undefined;
      if (echo) outgoing.push(this.sign({ round: echo.round, kind: 'echo', to: null, payload: echo.entries }).env);
      return;
    }
    this.apply(transition, outgoing, echo);
  }

  private deliver(round: Round<Result>, from: PartyId, kind: MessageKind, env: Envelope | undefined): void {
    if (!env) return;
    const key = `${round.number}/${from}/${kind}`;
    if (this.accepted.has(key)) return;
    if (!(kind === 'broadcast' ? round.expects.broadcast : round.expects.p2p)) {
      throw new ProtocolAbort(`unexpected ${kind} message in round ${round.number}`, round.number, [from]);
    }
    this.accepted.add(key);
    try {
      round.accept(from, kind, env.payload);
    } catch (e) {
      if (e instanceof ProtocolAbort) throw e;
      throw new ProtocolAbort(`malformed ${kind} message: ${(e as Error).message}`, round.number, [from], { envelope: env });
    }
  }

  /** Every party that broadcasts in this round, in party order: the same list at every receiver. */
  private echoParties(round: Round<Result>): PartyId[] {
    const speakers = round.senders ?? this.parties;
    return this.parties.filter((p) => speakers.includes(p));
  }

  /** What this party received in `round`'s broadcasts (and its own), as digests with their senders' signatures. */
  private echoOf(round: Round<Result>, slots: Map<PartyId, Slot>): EchoEntry[] {
    return this.echoParties(round).map((p) => {
      if (p !== this.self) {
        const slot = slots.get(p)!;
        return { party: p, digest: slot.broadcastDigest!, signature: slot.broadcast!.signature };
      }
      if (!this.ownBroadcast) throw new Error(`round ${round.number} expects a broadcast from every speaker, but this party sent none`);
      return { party: p, ...this.ownBroadcast };
    });
  }

  /**
   * Sends the transition's messages. An echo rides on them when they reach every other party (a broadcast, or
   * a message to each); otherwise, or when the transition ends the protocol, it goes out on its own.
   */
  private apply(transition: Transition<Result>, outgoing: Envelope[], echo: EchoAttachment | undefined): void {
    const nextRound = 'next' in transition ? transition.next.number : this.round + 1;
    const broadcasts = transition.outgoing.some((m) => m.to === null);
    const reachesAll = broadcasts || this.parties.every((p) => p === this.self || transition.outgoing.some((m) => m.to === p));
    const carried = echo && 'next' in transition && reachesAll ? echo : undefined;
    this.ownBroadcast = undefined;
    for (const message of transition.outgoing) {
      const rides = carried && (broadcasts ? message.to === null : true);
      outgoing.push(this.emit(message, nextRound, rides ? carried : undefined));
    }
    if (echo && !carried) outgoing.push(this.sign({ round: echo.round, kind: 'echo', to: null, payload: echo.entries }).env);
    if ('result' in transition) {
      this.current = undefined;
      if (this.pendingEcho) this.held = { result: transition.result };
      else this.finish(transition.result);
      return;
    }
    this.current = transition.next;
  }

  private finish(result: Result): void {
    this.status_ = 'done';
    this.result_ = result;
    this.held = undefined;
    this.current = undefined;
    this.inbox.clear();
    this.echoes.clear();
  }

  private emit(message: Outgoing, round: number, echo: EchoAttachment | undefined): Envelope {
    if (message.to !== null && (message.to === this.self || !this.parties.includes(message.to))) {
      throw new Error(`round tried to send to party ${message.to}, which is not a peer in this session`);
    }
    const { env, digest } = this.sign({ round, kind: 'message', to: message.to, payload: message.payload, ...(echo ? { echo } : {}) });
    if (message.to === null) this.ownBroadcast = { digest, signature: env.signature };
    return env;
  }

  private sign(fields: Pick<Envelope, 'round' | 'kind' | 'to' | 'payload' | 'echo'>): { env: Envelope; digest: Uint8Array } {
    const unsigned = { sessionId: this.sessionId, protocol: this.protocol, from: this.self, ...fields };
    const digest = envelopeDigest(unsigned);
    return { env: { ...unsigned, signature: this.auth.sign(digest) }, digest };
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.status_ = 'aborted';
      this.current = undefined;
      this.abort_ =
        e instanceof ProtocolAbort
          ? e
          : new ProtocolAbort(`internal error: ${(e as Error).message}`, this.round, [], { error: e instanceof MalformedError ? e.message : String(e) });
    }
  }
}
