/**
 * Auxiliary info, 3 rounds ([P] Fig. 6 without the share part; guide §4.2; [L] aux_only.rs).
 * Round 1: hash commitment to (N_i, s_i, t_i, Π^prm, ρ_i) [echo].
 * Round 2: open it (bcast). Receivers check the opening, the modulus, the ring-Pedersen parameters and Π^prm.
 * Round 3: Π^mod (bcast) and, for each j, Π^fac against j's own ring-Pedersen parameters (p2p), both bound to the
 * joint ρ = ⊕ρ_j so no prover can grind them before the session. Output: every party's verified public material.
 *
 * `AuxExchange` holds the part that refresh (§4.3) repeats verbatim inside its own rounds.
 */
import { InternalError, InvalidInputError, ProtocolAbort, type PartyId } from '../errors.js';
import { commit, verifyCommitment, type CommittedItem } from '../math/commitment.js';
import type { Point } from '../math/curve.js';
import { PaillierPublicKey, PaillierSecretKey } from '../math/paillier.js';
import { systemRng, type Rng } from '../math/random.js';
import { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { WireValue } from '../math/wire.js';
import { validateParties } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { Outgoing, PartyAuthenticator, Round, Transition } from '../round/types.js';
import { decodeFac, encodeFac, proveFac, verifyFac } from '../zk/fac.js';
import { decodeMod, encodeMod, proveMod, verifyMod } from '../zk/mod.js';
import { decodePrm, encodePrm, provePrm, verifyPrm, type PrmProof } from '../zk/prm.js';
import type { ProofContext } from '../zk/proof.js';
import type { Cggmp21Params } from './params.js';
import { phaseSessionId } from './session-id.js';
import type { AuxInfo, PartyAuxPublic } from './types.js';

export const AUX_INFO_PROTOCOL = 'cggmp21-aux-info';
const RHO_BYTES = 32;

/** Round numbers shared by aux-info and refresh: the states that receive each message. */
export const AUX_ROUND = { commitment: 1, reveal: 2, proofs: 3 } as const;

/** Everything a party reveals in round 2 (what its round-1 commitment covers, minus the opening). */
export interface AuxReveal {
  N: bigint;
  s: bigint;
  t: bigint;
  prm: PrmProof;
  rho: Uint8Array;
}

export interface AuxExchangeConfig {
  /** Phase tag prefix: "aux" for aux-info, "rf" for refresh. Proof tags are `${phase}/prm|mod|fac`. */
  phase: 'aux' | 'rf';
  sid: Uint8Array;
  self: PartyId;
  /** Ascending, distinct. */
  parties: readonly PartyId[];
  params: Cggmp21Params;
  primes: readonly [bigint, bigint];
  rng: Rng;
}

/**
 * One party's side of the aux material exchange: its fresh Paillier and ring-Pedersen secrets with Π^prm, the
 * checks on every peer's reveal and proofs (each failure blames that peer), and the resulting `AuxInfo`.
 */
export class AuxExchange {
  readonly paillier: PaillierSecretKey;
  readonly ringPedersen: RingPedersenSecret;
  private readonly prm: PrmProof;
  private readonly ownRho: Uint8Array;
  private readonly peers = new Map<PartyId, { pub: PartyAuxPublic; rho: Uint8Array }>();
  private jointRho: Uint8Array | undefined;

  constructor(private readonly config: AuxExchangeConfig) {
    const { params, primes, rng, self } = config;
    try {
      this.paillier = PaillierSecretKey.fromPrimes(primes[0], primes[1], params.paillierBits);
    } catch (e) {
      throw new InvalidInputError(`"primes" expected two distinct ${params.paillierBits / 2}-bit Blum primes: ${(e as Error).message}`);
    }
    this.ringPedersen = RingPedersenSecret.generate(this.paillier, rng);
    this.prm = provePrm(this.ctx('prm', self), this.ringPedersen.params, { lambda: this.ringPedersen.lambda, trapdoor: this.paillier }, params, rng);
    this.ownRho = rng.bytes(RHO_BYTES);
  }

  private ctx(proof: 'prm' | 'mod' | 'fac', prover: PartyId): ProofContext {
    const base = { phase: `${this.config.phase}/${proof}`, sessionId: this.config.sid, prover };
    return proof === 'prm' ? base : { ...base, rho: this.rho() };
  }

  private others(): PartyId[] {
    return this.config.parties.filter((p) => p !== this.config.self);
  }

  /** The items the round-1 commitment covers, in the guide's order (N, s, t, Π^prm, ρ). */
  static committedItems(reveal: AuxReveal): CommittedItem[] {
    return [
      { label: 'N', integer: reveal.N },
      { label: 's', integer: reveal.s },
      { label: 't', integer: reveal.t },
      { label: 'prm-A', integers: reveal.prm.A },
      { label: 'prm-z', integers: reveal.prm.z },
      { label: 'rho', bytes: reveal.rho },
    ];
  }

  ownReveal(): AuxReveal {
    const { N, s, t } = this.ringPedersen.params;
    return { N, s, t, prm: this.prm, rho: this.ownRho };
  }

  static encodeReveal(reveal: AuxReveal): { [key: string]: WireValue } {
    return { N: reveal.N, s: reveal.s, t: reveal.t, prm: encodePrm(reveal.prm), rho: reveal.rho };
  }

  /** Shape only; `acceptReveal` does the checks that need the other parties' material. */
  decodeReveal(r: PayloadReader): AuxReveal {
    const bits = this.config.params.paillierBits;
    return { N: r.bigint('N', bits), s: r.bigint('s', bits), t: r.bigint('t', bits), prm: decodePrm(r.nested('prm'), this.config.params), rho: r.bytes('rho', RHO_BYTES) };
  }

  /**
   * Guide §4.2 R3 checks 2–4 on an opened reveal (the caller checked the opening): N valid (§2.1: exact size, odd,
   * distinct from every other modulus), (s, t) valid (§2.2), Π^prm verifies. Any failure blames `from`.
   */
  acceptReveal(from: PartyId, reveal: AuxReveal): void {
    const round = AUX_ROUND.reveal;
    const { params } = this.config;
    let paillier: PaillierPublicKey;
    let ringPedersen: RingPedersenParams;
    try {
      paillier = new PaillierPublicKey(reveal.N, params.paillierBits);
    } catch (e) {
      throw new ProtocolAbort(`invalid Paillier modulus: ${(e as Error).message}`, round, [from], { N: reveal.N });
    }
    if (reveal.N === this.paillier.N) throw new ProtocolAbort('Paillier modulus copies ours', round, [from], { N: reveal.N });
    // Two peers with one modulus: which one copied is settled in round 3, where only a party that knows the
    // factorisation can prove Π^mod and Π^fac under its own index (see `auxInfo`).
    try {
      ringPedersen = new RingPedersenParams(reveal.N, reveal.s, reveal.t);
    } catch (e) {
      throw new ProtocolAbort(`invalid ring-Pedersen parameters: ${(e as Error).message}`, round, [from], { s: reveal.s, t: reveal.t });
    }
    const verdict = verifyPrm(this.ctx('prm', from), reveal, reveal.prm, params);
    if (!verdict.valid) throw new ProtocolAbort(`Π^prm fails: ${verdict.reason}`, round, [from], { prm: encodePrm(reveal.prm) });
    this.peers.set(from, { pub: { paillier, ringPedersen }, rho: reveal.rho });
  }

  /** ρ = ⊕_j ρ_j, once every reveal is in. */
  rho(): Uint8Array {
    if (this.jointRho) return this.jointRho;
    if (this.peers.size !== this.others().length) throw new InternalError('ρ needs every party\'s reveal');
    const rho = Uint8Array.from(this.ownRho);
    for (const { rho: r } of this.peers.values()) r.forEach((b, k) => (rho[k]! ^= b));
    return (this.jointRho = rho);
  }

  /** Π^mod for our modulus: one proof for everyone (it uses no ring-Pedersen parameters). */
  proveModulus(): WireValue {
    const { p, q, N } = this.paillier;
    return encodeMod(proveMod(this.ctx('mod', this.config.self), { N }, { p, q }, this.config.params, this.config.rng));
  }

  /** Π^fac for our modulus against `to`'s ring-Pedersen parameters: only `to` is convinced by it. */
  proveFactorsFor(to: PartyId): WireValue {
    const { p, q, N } = this.paillier;
    const verifier = this.peer(to).ringPedersen;
    return encodeFac(proveFac(this.ctx('fac', this.config.self), { N0: N, verifier }, { p, q }, this.config.params, this.config.rng));
  }

  checkModulusProof(from: PartyId, payload: WireValue): void {
    const proof = decodeMod(payload, this.config.params);
    const verdict = verifyMod(this.ctx('mod', from), { N: this.peer(from).paillier.N }, proof, this.config.params);
    if (!verdict.valid) throw new ProtocolAbort(`Π^mod fails: ${verdict.reason}`, AUX_ROUND.proofs, [from], { mod: payload });
  }

  /** Π^fac from `from`, checked against OUR parameters (with our secret: CRT). */
  checkFactorsProof(from: PartyId, payload: WireValue): void {
    const proof = decodeFac(payload, this.config.params);
    const statement = { N0: this.peer(from).paillier.N, verifier: this.ringPedersen };
    const verdict = verifyFac(this.ctx('fac', from), statement, proof, this.config.params);
    if (!verdict.valid) throw new ProtocolAbort(`Π^fac fails: ${verdict.reason}`, AUX_ROUND.proofs, [from], { fac: payload });
  }

  peer(party: PartyId): PartyAuxPublic {
    const entry = this.peers.get(party);
    if (!entry) throw new InternalError(`no aux material from party ${party}`);
    return entry.pub;
  }

  /** The output, once every proof is in. Distinctness of peers' moduli is the last check of §2.1. */
  auxInfo(): AuxInfo {
    const { params, parties, self } = this.config;
    const owners = new Map<bigint, PartyId>();
    for (const [party, { pub }] of this.peers) {
      const other = owners.get(pub.paillier.N);
      // Both proved they know the factorisation of the same N: collusion or key reuse, blame both.
      if (other !== undefined) throw new ProtocolAbort('two parties use the same Paillier modulus', AUX_ROUND.proofs, [other, party], { N: pub.paillier.N });
      owners.set(pub.paillier.N, party);
    }
    const publics = new Map<PartyId, PartyAuxPublic>();
    for (const p of parties) {
      publics.set(p, p === self ? { paillier: this.paillier.publicKey, ringPedersen: this.ringPedersen.params } : this.peer(p));
    }
    return { params, parties, self, paillier: this.paillier, ringPedersen: this.ringPedersen, publics };
  }
}

export interface AuxInfoInput {
  /** Execution id agreed for this session (the phase sid is derived from it). */
  sessionId: string;
  self: PartyId;
  parties: readonly PartyId[];
  params: Cggmp21Params;
  /** Two fresh safe primes of paillierBits/2 bits each (from the node's pool), used once. */
  primes: readonly [bigint, bigint];
  auth: PartyAuthenticator;
  rng?: Rng;
  /** The key this aux info serves, bound into the sid (§4.0) when given. */
  key?: { threshold: number; publicKey: Point; generation: number };
}

/** The phase sid of an aux-info run (§4.0): execution id, committee, parameter set and, when given, the key. */
export function auxInfoSid(executionId: string, parties: readonly PartyId[], params: Cggmp21Params, key?: AuxInfoInput['key']): Uint8Array {
  return phaseSessionId({
    phase: 'aux',
    executionId,
    // Aux info serves a key's committee; 0 marks a run not yet tied to a key's threshold.
    threshold: key?.threshold ?? 0,
    parties,
    generation: key?.generation ?? 0,
    material: new TextEncoder().encode(params.name),
    ...(key ? { publicKey: key.publicKey } : {}),
  });
}

export function createAuxInfoSession(input: AuxInfoInput): ProtocolSession<AuxInfo> {
  const parties = validateParties(input.parties);
  const { self, params } = input;
  if (!parties.includes(self)) throw new InvalidInputError(`"self" expected one of [${parties.join(', ')}], got ${self}`);
  if (parties.length < 2) throw new InvalidInputError(`"parties" expected at least 2 parties, got ${parties.length}`);
  const rng = input.rng ?? systemRng;
  const sid = auxInfoSid(input.sessionId, parties, params, input.key);
  const others = parties.filter((p) => p !== self);

  const exchange = new AuxExchange({ phase: 'aux', sid, self, parties, params, primes: input.primes, rng });
  const own = commit('aux/com', sid, self, AuxExchange.committedItems(exchange.ownReveal()), rng);
  const commitments = new Map<PartyId, Uint8Array>();

  const round3: Round<AuxInfo> = {
    number: AUX_ROUND.proofs,
    expects: { broadcast: true, p2p: true },
    accept(from, kind, payload) {
      const r = new PayloadReader(payload, `aux-info round 3 ${kind}`);
      if (kind === 'broadcast') exchange.checkModulusProof(from, r.raw('mod'));
      else exchange.checkFactorsProof(from, r.raw('fac'));
    },
    finalize: () => ({ outgoing: [], result: exchange.auxInfo() }),
  };

  const round2: Round<AuxInfo> = {
    number: AUX_ROUND.reveal,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      const r = new PayloadReader(payload, 'aux-info round 2');
      const reveal = exchange.decodeReveal(r);
      const u = r.bytes('u', 32);
      if (!verifyCommitment('aux/com', sid, from, AuxExchange.committedItems(reveal), u, commitments.get(from)!)) {
        throw new ProtocolAbort('reveal does not open the round-1 commitment', AUX_ROUND.reveal, [from]);
      }
      exchange.acceptReveal(from, reveal);
    },
    finalize(): Transition<AuxInfo> {
      const outgoing: Outgoing[] = [
        { to: null, payload: { mod: exchange.proveModulus() } },
        ...others.map((j) => ({ to: j, payload: { fac: exchange.proveFactorsFor(j) } })),
      ];
      return { outgoing, next: round3 };
    },
  };

  const round1: Round<AuxInfo> = {
    number: AUX_ROUND.commitment,
    expects: { broadcast: true, p2p: false },
    echo: true,
    accept(from, _kind, payload) {
      commitments.set(from, new PayloadReader(payload, 'aux-info round 1').bytes('V', 32));
    },
    finalize: () => ({ outgoing: [{ to: null, payload: { ...AuxExchange.encodeReveal(exchange.ownReveal()), u: own.opening } }], next: round2 }),
  };

  return new ProtocolSession<AuxInfo>({
    sessionId: input.sessionId,
    protocol: AUX_INFO_PROTOCOL,
    self,
    parties,
    auth: input.auth,
    start: () => ({ outgoing: [{ to: null, payload: { V: own.commitment } }], next: round1 }),
  });
}
