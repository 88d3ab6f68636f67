/**
 * The round engine: drives one party's protocol instance. It owns every envelope rule (session, protocol,
 * known sender, addressed to us, signature, no duplicates, right kind for the round), buffers early
 * messages, runs the echo check, and turns any failed check into a `ProtocolAbort` that names the sender.
 */
import { MalformedError, ProtocolAbort, type PartyId } from '../errors.js';
import { envelopeDigest } from './envelope.js';
import { checkEcho, decodeEcho, encodeEcho, type EchoEntry } from './echo.js';
import type { Envelope, MessageKind, Outgoing, PartyAuthenticator, Round, Transition } from './types.js';

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
  p2p?: Envelope;
  echo?: Envelope;
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
  private readonly inbox = new Map<number, Map<PartyId, Slot>>();
  private accepted = new Set<string>();
  private ownBroadcast: { digest: Uint8Array; signature: Uint8Array } | undefined;
  private myEcho: EchoEntry[] | undefined;
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
  get round(): number {
    return this.current?.number ?? 0;
  }
  /** Parties whose messages the current round still waits for (the node names them on a timeout). */
  get waitingFor(): PartyId[] {
    const round = this.current;
    if (!round || this.status_ !== 'running') return [];
    const slots = this.inbox.get(round.number);
    return this.sendersOf(round).filter((p) => {
      const s = slots?.get(p);
      const messagesIn = (!round.expects.broadcast || s?.broadcast) && (!round.expects.p2p || s?.p2p);
      const echoIn = !this.echoRequired(round) || !this.myEcho || s?.echo;
      return !(messagesIn && echoIn);
    });
  }

  start(): StepOutput {
    if (this.status_ !== 'idle') throw new Error('session already started');
    this.status_ = 'running';
    const outgoing: Envelope[] = [];
    this.guard(() => {
      this.apply(this.startFn(), outgoing);
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
    if (env.kind === 'echo' && env.to !== null) return 'echo must be broadcast';
    const currentRound = this.round;
    if (env.round < currentRound) return `stale message for round ${env.round} (now in round ${currentRound})`;
    if (env.round > currentRound + MAX_ROUNDS_AHEAD) return `message for round ${env.round} is too far ahead`;
    if (!this.auth.verify(env.from, envelopeDigest(env), env.signature)) return `bad signature from party ${env.from}`;
    let byParty = this.inbox.get(env.round);
    if (!byParty) this.inbox.set(env.round, (byParty = new Map()));
    let slot = byParty.get(env.from);
    if (!slot) byParty.set(env.from, (slot = {}));
    const key = env.kind === 'echo' ? 'echo' : env.to === null ? 'broadcast' : 'p2p';
    if (slot[key]) return `duplicate ${key} from party ${env.from} for round ${env.round}`;
    slot[key] = env;
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
    while (this.status_ === 'running' && this.current) {
      const round = this.current;
      const senders = this.sendersOf(round);
      const slots = this.inbox.get(round.number) ?? new Map<PartyId, Slot>();
      for (const [from, slot] of slots) {
        if (!senders.includes(from)) {
          if (slot.broadcast || slot.p2p) throw new ProtocolAbort(`party ${from} sent a message in a round where it does not speak`, round.number, [from]);
          continue;
        }
        this.deliver(round, from, 'broadcast', slot.broadcast);
        this.deliver(round, from, 'p2p', slot.p2p);
      }
      const allIn = senders.every((p) => {
        const s = slots.get(p);
        return (!round.expects.broadcast || s?.broadcast) && (!round.expects.p2p || s?.p2p);
      });
      if (!allIn) return;
      if (this.echoRequired(round)) {
        if (!this.myEcho) this.sendEcho(round, slots, outgoing);
        for (const p of senders) {
          const echo = slots.get(p)?.echo;
          if (!echo) return;
          if (this.accepted.has(`${round.number}/${p}/echo`)) continue;
          let theirs: EchoEntry[];
          try {
            theirs = decodeEcho(echo.payload, this.echoParties(round));
          } catch (e) {
            throw new ProtocolAbort(`malformed echo: ${(e as Error).message}`, round.number, [p]);
          }
          checkEcho(round.number, p, this.myEcho!, theirs, this.auth);
          this.accepted.add(`${round.number}/${p}/echo`);
        }
      }
      const transition = round.finalize();
      this.inbox.delete(round.number);
      this.apply(transition, outgoing);
    }
  }

  private deliver(round: Round<Result>, from: PartyId, kind: MessageKind, env: Envelope | undefined): void {
    if (!env) return;
    const key = `${round.number}/${from}/${kind}`;
    if (this.accepted.has(key)) return;
    if (!(kind === 'broadcast' ? round.expects.broadcast : round.expects.p2p)) {
      throw new ProtocolAbort(`unexpected ${kind} message in round ${round.number}`, round.number, [from]);
    }
    if (env.kind !== 'message') return;
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

  private sendEcho(round: Round<Result>, slots: Map<PartyId, Slot>, outgoing: Envelope[]): void {
    const entries: EchoEntry[] = [];
    for (const p of this.echoParties(round)) {
      if (p === this.self) {
        if (!this.ownBroadcast) throw new Error(`round ${round.number} expects a broadcast from every speaker, but this party sent none`);
        entries.push({ party: p, ...this.ownBroadcast });
        continue;
      }
      const env = slots.get(p)!.broadcast!;
      entries.push({ party: p, digest: envelopeDigest(env), signature: env.signature });
    }
    this.myEcho = entries;
    outgoing.push(this.sign({ round: round.number, kind: 'echo', to: null, payload: encodeEcho(entries) }));
  }

  private apply(transition: Transition<Result>, outgoing: Envelope[]): void {
    const nextRound = 'next' in transition ? transition.next.number : this.round + 1;
    this.ownBroadcast = undefined;
    this.myEcho = undefined;
    for (const message of transition.outgoing) outgoing.push(this.emit(message, nextRound));
    if ('result' in transition) {
      this.status_ = 'done';
      this.result_ = transition.result;
      this.current = undefined;
      this.inbox.clear();
      return;
    }
    this.current = transition.next;
  }

  private emit(message: Outgoing, round: number): Envelope {
    if (message.to !== null && (message.to === this.self || !this.parties.includes(message.to))) {
      throw new Error(`round tried to send to party ${message.to}, which is not a peer in this session`);
    }
    const env = this.sign({ round, kind: 'message', to: message.to, payload: message.payload });
    if (message.to === null) this.ownBroadcast = { digest: envelopeDigest(env), signature: env.signature };
    return env;
  }

  private sign(fields: Pick<Envelope, 'round' | 'kind' | 'to' | 'payload'>): Envelope {
    const unsigned = { sessionId: this.sessionId, protocol: this.protocol, from: this.self, ...fields };
    return { ...unsigned, signature: this.auth.sign(envelopeDigest(unsigned)) };
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
