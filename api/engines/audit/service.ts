/**
 * The append-only, hash-chained audit log.
 *
 * Appends are group-committed: everything queued while one batch is being written goes into the next single
 * atomic batch (records plus the new head), so 64 concurrent requests cost one store write, not 64, and
 * the chain order is the commit order. A failed batch rejects every append in it and leaves the head where
 * it was, so the caller's operation fails and the chain stays whole.
 *
 * The hash chain alone shows an edit or a deleted tail, but not a log rewritten whole by someone with write access
 * to the disk (recomputing every hash is easy). So the head is authenticated: an HMAC over its sequence number and
 * hash, under a key derived from the gateway's barrier key (sealed by the node's HSM or passphrase, in memory only
 * while the gateway runs). A rewritten or truncated log then no longer meets an authenticated head: `verify` names
 * it, and the gateway refuses to start on it rather than extend a forged chain.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../../../node/store/kv.js';
import { AuditUnavailableError, InvalidInputError } from '../../server/errors.js';
import { GENESIS_HASH, hashRecord, seqKey, type AuditEntry, type AuditRecord } from './chain.js';

const HEAD_KEY = 'audit/head';
const RECORD_PREFIX = 'audit/rec/';
const MAX_BATCH = 512;
// One list call reads at most this many records, so a filter that matches little cannot scan the whole log.
const SCAN_BUDGET = 20_000;
const MAX_PROBLEMS = 100;

interface Head {
  seq: number;
  hash: string;
}

interface StoredHead extends Head {
  /** HMAC-SHA256 (hex) of `${seq}\n${hash}` under the anchor key. */
  mac?: string;
}

/** The log cannot be trusted: its head is missing or not authenticated by this gateway's key. */
export class AuditIntegrityError extends Error {
  constructor(problem: string) {
    super(`audit log integrity: ${problem}; the log was rewritten or truncated outside the gateway (run an audit verify and restore it from a backup)`);
    this.name = 'AuditIntegrityError';
  }
}

interface Pending {
  entry: AuditEntry;
  resolve: (record: AuditRecord) => void;
  reject: (error: Error) => void;
}

export interface AuditQuery {
  keyId?: string;
  actions?: string[];
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export interface VerifyReport {
  valid: boolean;
  records: number;
  headSeq: number;
  problems: { seq: number; problem: string }[];
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
const decode = <T>(b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8')) as T;

export class AuditLog {
  #head: Head = { seq: 0, hash: GENESIS_HASH };
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;

  /** `anchorKey`: the secret the head is authenticated with (the gateway derives it from its barrier key). */
  constructor(
    private readonly store: KeyValueStore,
    private readonly anchorKey: Uint8Array,
  ) {
    if (!(anchorKey instanceof Uint8Array) || anchorKey.length < 32) throw new RangeError('"anchorKey" expected at least 32 bytes');
  }

  #mac(head: Head): string {
    return createHmac('sha256', this.anchorKey).update(`${head.seq}\n${head.hash}`).digest('hex');
  }

  /** Why a stored head cannot be trusted, or undefined when its MAC is ours. */
  #headProblem(head: StoredHead): string | undefined {
    if (typeof head.mac !== 'string' || !/^[0-9a-f]{64}$/.test(head.mac)) return 'the stored head carries no authentication';
    const ok = timingSafeEqual(Buffer.from(head.mac, 'hex'), Buffer.from(this.#mac(head), 'hex'));
    return ok ? undefined : 'the stored head is not authenticated by this gateway\'s key';
  }

  async init(): Promise<void> {
    const stored = await this.store.get(HEAD_KEY);
    if (stored) {
      const head = decode<StoredHead>(stored);
      const problem = this.#headProblem(head);
      if (problem) throw new AuditIntegrityError(problem);
      this.#head = { seq: head.seq, hash: head.hash };
      return;
    }
    // No head: a fresh log, unless records exist (then the head was deleted to hide a rewrite).
    for await (const [key] of this.store.entries(RECORD_PREFIX, { limit: 1 })) throw new AuditIntegrityError(`records exist (${key}) but the head is gone`);
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Resolves once everything queued so far is written (or failed); used on shutdown. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // Let the current tick's requests join this batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.#pending.length) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      let { seq, hash } = this.#head;
      const records = batch.map(({ entry }) => {
        const unsigned = { ...entry, seq: ++seq, time: new Date().toISOString(), prevHash: hash };
        hash = hashRecord(unsigned);
        return { ...unsigned, hash };
      });
      try {
        await this.store.batch([
          ...records.map((r) => ({ type: 'put' as const, key: seqKey(r.seq), value: encode(r) })),
          { type: 'put' as const, key: HEAD_KEY, value: encode({ seq, hash, mac: this.#mac({ seq, hash }) }) },
        ]);
        this.#head = { seq, hash };
        batch.forEach((p, i) => p.resolve(records[i]!));
      } catch (cause) {
        const error = new AuditUnavailableError(cause);
        batch.forEach((p) => p.reject(error));
      }
    }
    this.#flushing = undefined;
  }

  async list(query: AuditQuery): Promise<{ records: AuditRecord[]; nextCursor?: string }> {
    const from = query.from === undefined ? -Infinity : parseBound(query.from, 'from', 'start');
    const to = query.to === undefined ? Infinity : parseBound(query.to, 'to', 'end');
    const actions = query.actions?.length ? new Set(query.actions) : undefined;
    const after = query.cursor === undefined ? undefined : seqKey(parseCursor(query.cursor));
    const records: AuditRecord[] = [];
    let scanned = 0;
    let lastSeq = 0;
    for await (const [, value] of this.store.entries(RECORD_PREFIX, after ? { after } : undefined)) {
      const r = decode<AuditRecord>(value);
      lastSeq = r.seq;
      if (++scanned > SCAN_BUDGET) return { records, nextCursor: String(r.seq - 1) };
      const t = Date.parse(r.time);
      if (t < from || t > to) continue;
      if (actions && !actions.has(r.action)) continue;
      if (query.keyId !== undefined && r.actor !== query.keyId && !resourceIs(r.resource, query.keyId)) continue;
      records.push(r);
      if (records.length === query.limit) return { records, nextCursor: String(lastSeq) };
    }
    return { records };
  }

  /** Walks the whole chain up to the stored head and reports every break it finds. */
  async verify(): Promise<VerifyReport> {
    const headBytes = await this.store.get(HEAD_KEY);
    const head: StoredHead = headBytes ? decode<StoredHead>(headBytes) : { seq: 0, hash: GENESIS_HASH };
    const problems: VerifyReport['problems'] = [];
    const report = (seq: number, problem: string) => {
      if (problems.length < MAX_PROBLEMS) problems.push({ seq, problem });
    };
    const headProblem = headBytes ? this.#headProblem(head) : undefined;
    if (headProblem) report(head.seq, `${headProblem} (the log was rewritten or its head replaced)`);
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let count = 0;
    for await (const [key, value] of this.store.entries(RECORD_PREFIX)) {
      let r: AuditRecord;
      try {
        r = decode<AuditRecord>(value);
      } catch {
        report(expectedSeq, `record ${key} is not valid JSON`);
        continue;
      }
      if (r.seq > head.seq) break; // written after we read the head
      count++;
      if (key !== seqKey(r.seq)) report(r.seq, `record stored under ${key} claims seq ${r.seq}`);
      if (r.seq !== expectedSeq) report(expectedSeq, `records ${expectedSeq}..${r.seq - 1} are missing`);
      if (r.prevHash !== prevHash) report(r.seq, 'previous-hash link does not match the record before it');
      const { hash, ...unsigned } = r;
      if (hashRecord(unsigned) !== hash) report(r.seq, 'record hash does not match its contents (edited)');
      expectedSeq = r.seq + 1;
      prevHash = hash;
    }
    if (expectedSeq - 1 !== head.seq) report(expectedSeq, `records ${expectedSeq}..${head.seq} are missing (log ends before its head)`);
    else if (prevHash !== head.hash) report(head.seq, 'last record does not match the stored head hash');
    return { valid: problems.length === 0, records: count, headSeq: head.seq, problems };
  }
}

/** `keyId` names the key that acted, or the thing acted on (`key:<id>`, `secret:<id>`, …). */
function resourceIs(resource: string, id: string): boolean {
  const colon = resource.indexOf(':');
  return colon >= 0 && resource.slice(colon + 1) === id;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date alone means the whole day (UTC): `to: '2025-11-30'` includes that day. */
function parseBound(text: string, field: string, edge: 'start' | 'end'): number {
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00.000Z` : text);
  if (Number.isNaN(ms)) throw new InvalidInputError(`"${field}" expected an ISO 8601 date or time, got "${text}"`);
  return DATE_ONLY.test(text) && edge === 'end' ? ms + 86_399_999 : ms;
}

function parseCursor(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new InvalidInputError(`"cursor" expected a cursor returned by a previous page, got "${text}"`);
  return Number(text);
}
