/**
 * The one client interface the rest of the product (control API, gateway, CLI) uses to reach the cluster:
 * key generation, signing, resharing, refresh, retirement and status, each run as ceremonies between party nodes.
 */
import { InvalidInputError, type PartyId } from '../protocols/errors.js';
import type { WireValue } from '../protocols/math/wire.js';
import { validateCommittee, validateParties } from '../protocols/round/committee.js';
import type { PartyNode } from './daemon.js';
import { checkKeyId, KEY_PROTOCOLS, newKeyId, type KeyProtocol, type KeyRecord } from './keys/key-vault.js';
import type { SessionOutcome } from './sessions/manager.js';
import type { PresignPool } from './keys/presign-pool.js';
import { encodeResharePlan } from '../protocols/lss/index.js';
import { planFromOwnShare } from './ceremonies/reshare.js';
import { RETIRE_CEREMONY, refusePending } from './ceremonies/retire.js';
import { APPROVAL_LIFETIME_MS, encodeApproval, issueApproval } from './approvals.js';

export interface KeygenRequest {
  protocol: KeyProtocol;
  threshold: number;
  parties: PartyId[];
  keyId?: string;
}

export interface SignRequest {
  keyId: string;
  /** The 32-byte digest to sign (ECDSA: the message hash; BIP-340: the message itself, usually a sighash). */
  digest: Uint8Array;
  signers?: PartyId[];
  /** What the caller approved beyond the digest (the gateway: the amount its policy checked and its request id). */
  approval?: { amount?: string; reference?: string };
}

export interface SignResult {
  keyId: string;
  protocol: KeyProtocol;
  publicKey: string;
  signers: PartyId[];
  /** ECDSA: 64-byte low-s r‖s; frost-taproot: 64-byte BIP-340; frost: 65-byte R‖z (RFC 9591). Hex. */
  signature: string;
  r?: string;
  s?: string;
  recovery?: number;
}

export interface KeySummary {
  keyId: string;
  protocol: KeyProtocol;
  publicKey: string;
  threshold: number;
  parties: PartyId[];
  generation: number;
}

export interface RetireResult {
  keyId: string;
  sessionId: string;
  /** Parties that held a share and erased it in this run. */
  retired: PartyId[];
  /** Parties asked that no longer had the key (an earlier, interrupted run erased it there). */
  alreadyRetired: PartyId[];
}

export type CeremonyRunner = (ceremony: string, parties: readonly PartyId[], params: WireValue) => Promise<SessionOutcome>;

/** Extension point: the protocol families register how they run keygen and signing across the cluster. */
export interface ProtocolDriver {
  keygen(run: CeremonyRunner, request: Required<KeygenRequest>): Promise<KeySummary>;
  /** `approval`: this node's signed approval of exactly this signature, re-checked by every signer. */
  sign(run: CeremonyRunner, record: KeyRecord, digest: Uint8Array, signers: PartyId[], approval: WireValue): Promise<SignResult>;
}

export class ClusterService {
  constructor(
    private readonly node: PartyNode,
    private readonly drivers: Partial<Record<KeyProtocol, ProtocolDriver>>,
    private readonly pool?: PresignPool,
  ) {}

  private run: CeremonyRunner = (ceremony, parties, params) => this.node.sessions.run(ceremony, parties, params);

  private driver(protocol: KeyProtocol): ProtocolDriver {
    const driver = this.drivers[protocol];
    if (!driver) throw new InvalidInputError(`protocol "${protocol}" is not available on this node`, 'protocol_unavailable');
    return driver;
  }

  status() {
    return this.node.status();
  }

  metrics(): Promise<string> {
    return this.node.metrics();
  }

  async keys(): Promise<KeyRecord[]> {
    return this.node.services.vault.list();
  }

  async key(keyId: string): Promise<KeyRecord> {
    return this.node.services.vault.require(checkKeyId(keyId));
  }

  /** Pooled presignatures this node can sign with now (made by its own pool and confirmed by every party). */
  async presignatures(keyId: string): Promise<number> {
    await this.key(keyId);
    return this.pool ? this.pool.ready(keyId) : 0;
  }

  async keygen(request: KeygenRequest): Promise<KeySummary> {
    if (!KEY_PROTOCOLS.includes(request.protocol)) {
      throw new InvalidInputError(`"protocol" expected one of ${KEY_PROTOCOLS.join(', ')}, got ${JSON.stringify(request.protocol)}`);
    }
    const members = this.node.services.config.members.map((m) => m.id);
    const parties = validateParties(request.parties);
    for (const p of parties) if (!members.includes(p)) throw new InvalidInputError(`"parties" has ${p}, which is not a cluster member`);
    validateCommittee(request.threshold, parties, parties[0]!);
    const keyId = request.keyId === undefined ? newKeyId(request.protocol) : checkKeyId(request.keyId);
    return this.driver(request.protocol).keygen(this.run, { protocol: request.protocol, threshold: request.threshold, parties, keyId });
  }

  async sign(request: SignRequest): Promise<SignResult> {
    if (!(request.digest instanceof Uint8Array) || request.digest.length !== 32) {
      throw new InvalidInputError(`"hash" expected 32 bytes, got ${request.digest instanceof Uint8Array ? request.digest.length : typeof request.digest}`);
    }
    const record = await this.key(request.keyId);
    if (record.locked) throw new InvalidInputError(`key "${record.keyId}" is locked: ${record.locked.reason}`, 'key_locked');
    const signers = request.signers ? validateParties(request.signers, 'signers') : this.defaultSigners(record);
    if (signers.length < record.threshold) throw new InvalidInputError(`"signers" expected at least ${record.threshold} parties, got ${signers.length}`);
    for (const s of signers) if (!record.parties.includes(s)) throw new InvalidInputError(`"signers" has ${s}, which holds no share of key "${record.keyId}"`);
    const now = Date.now();
    const approval = issueApproval(this.node.services.identity, {
      keyId: record.keyId,
      digest: Buffer.from(request.digest).toString('hex'),
      signers,
      approver: this.node.services.config.id,
      issuedAt: now,
      expiresAt: now + APPROVAL_LIFETIME_MS,
      ...(request.approval?.amount !== undefined ? { amount: request.approval.amount } : {}),
      ...(request.approval?.reference !== undefined ? { reference: request.approval.reference } : {}),
    });
    return this.driver(record.protocol).sign(this.run, record, request.digest, signers, encodeApproval(approval));
  }

  /**
   * Move a key to a new committee and threshold, keeping its public key (LSS). Driven by a current holder, which
   * derives the plan from its own share; dealers default to the first `threshold` connected holders.
   */
  async reshare(request: { keyId: string; parties: PartyId[]; threshold: number; dealers?: PartyId[] }): Promise<KeySummary> {
    const record = await this.key(request.keyId);
    if (record.locked) throw new InvalidInputError(`key "${record.keyId}" is locked: ${record.locked.reason}`, 'key_locked');
    if (record.pending) throw new InvalidInputError(`key "${record.keyId}" already has generation ${record.pending.generation} pending`, 'reshare_in_progress');
    const self = this.node.services.config.id;
    if (!record.parties.includes(self)) throw new InvalidInputError(`drive the reshare of "${record.keyId}" from a node that holds it (${record.parties.join(', ')})`);
    const members = this.node.services.config.members.map((m) => m.id);
    const parties = validateParties(request.parties);
    for (const p of parties) if (!members.includes(p)) throw new InvalidInputError(`"parties" has ${p}, which is not a cluster member`);
    validateCommittee(request.threshold, parties, parties[0]!);
    const dealers = request.dealers ? validateParties(request.dealers, 'dealers') : this.defaultSigners(record);
    const plan = await planFromOwnShare(this.node.services, record, { dealers, threshold: request.threshold, parties });
    const reshare = await this.run('lss-reshare', plan.participants, { keyId: record.keyId, plan: encodeResharePlan(plan) });
    agreedField(reshare, 'publicKey');
    const generation = record.generation + 1;
    if (record.protocol === 'cggmp21') await this.run('cggmp21-aux', parties, { keyId: record.keyId, generation });
    await this.run('lss-activate', plan.participants, { keyId: record.keyId, generation });
    return { keyId: record.keyId, protocol: record.protocol, publicKey: record.publicKey, threshold: request.threshold, parties, generation };
  }

  /** Proactive refresh of a CGGMP21 key: new shares and aux info, same public key, old shares useless. */
  async refresh(request: { keyId: string }): Promise<KeySummary> {
    const record = await this.key(request.keyId);
    if (record.protocol !== 'cggmp21') throw new InvalidInputError(`refresh is for cggmp21 keys; "${record.keyId}" is ${record.protocol} (reshare it instead)`);
    const outcome = await this.run('cggmp21-refresh', record.parties, { keyId: record.keyId });
    if (agreedField(outcome, 'publicKey') !== record.publicKey) throw new InvalidInputError('refresh changed the public key', 'parties_disagree');
    const generation = record.generation + 1;
    await this.run('lss-activate', record.parties, { keyId: record.keyId, generation });
    return { keyId: record.keyId, protocol: record.protocol, publicKey: record.publicKey, threshold: record.threshold, parties: record.parties, generation };
  }

  /**
   * Erase every share of a key on every holder (see ceremonies/retire.ts). Idempotent: re-run it after a failure or
   * an interrupted run. The holders come from this node's record of the key; a node without one (it already erased
   * its share, or never held it) cannot tell who still holds the key, so it asks every member, and all must answer.
   */
  async retire(keyId: string): Promise<RetireResult> {
    const id = checkKeyId(keyId);
    const record = await this.node.services.vault.get(id);
    if (record) refusePending(record);
    const parties = record ? record.parties : this.node.services.config.members.map((m) => m.id);
    const outcome = await this.run(RETIRE_CEREMONY, parties, { keyId: id });
    const retired: PartyId[] = [];
    const alreadyRetired: PartyId[] = [];
    for (const [party, summary] of outcome.summaries) ((summary as { retired?: unknown }).retired === true ? retired : alreadyRetired).push(party);
    const byId = (a: PartyId, b: PartyId) => a - b;
    return { keyId: id, sessionId: outcome.sessionId, retired: retired.sort(byId), alreadyRetired: alreadyRetired.sort(byId) };
  }

  /** This node first when it holds a share, then connected holders in id order, `threshold` of them. */
  private defaultSigners(record: KeyRecord): PartyId[] {
    const self = this.node.services.config.id;
    const connected = new Set(this.node.status().members.filter((m) => m.connected).map((m) => m.id));
    const ordered = [...record.parties].sort((a, b) => (a === self ? -1 : b === self ? 1 : a - b));
    const available = ordered.filter((p) => connected.has(p));
    if (available.length < record.threshold) {
      throw new InvalidInputError(`key "${record.keyId}" needs ${record.threshold} signers but only ${available.length} of its parties are connected`, 'not_enough_signers');
    }
    return available.slice(0, record.threshold).sort((a, b) => a - b);
  }
}

/** All summaries must agree on one value (e.g. the public key); otherwise some party is lying or broken. */
export function agreedField(outcome: SessionOutcome, field: string): string {
  const values = new Set<string>();
  for (const summary of outcome.summaries.values()) {
    const v = (summary as Record<string, unknown>)[field];
    if (typeof v !== 'string' && typeof v !== 'number') throw new InvalidInputError(`a party reported no "${field}"`);
    values.add(String(v));
  }
  if (values.size !== 1) throw new InvalidInputError(`parties disagree on "${field}": ${[...values].join(' vs ')}`, 'parties_disagree');
  return [...values][0]!;
}
