/**
 * API keys: the gateway's principals. A key is `lkms_<id>_<secret>`; only SHA-256 of the whole token is
 * stored (the secret is 256 random bits, so a slow password hash would add latency to every request without
 * adding strength). The token is returned once, at creation. Each key is bound to environments and policies.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EncryptedStore } from '../barrier.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { KeyedMutex } from '../keyed-mutex.js';
import type { ApiKeyInfo } from './api-key-info.js';
import { generateTotpSecret, otpauthUrl, totpStep } from './totp.js';

export const ALL_ENVIRONMENTS = '*';
const TOKEN_PATTERN = /^lkms_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_PREFIX = 'auth/key/';

export interface ApiKeyRecord {
  id: string;
  name: string;
  environments: string[];
  policies: string[];
  tokenHash: string;
  createdAt: string;
  revokedAt?: string;
  /** `lastStep`: the TOTP time step last accepted; it and every earlier step are refused from then on. */
  mfa?: { secret: string; enrolledAt: string; lastStep?: number };
}

/** What the policy engine is told about MFA. */
export type MfaState = 'absent' | 'invalid' | 'valid' | 'not_enrolled';

/** The outcome of presenting a TOTP code: a replay is a right code whose time step was already spent. */
export type TotpOutcome = 'valid' | 'invalid' | 'replayed' | 'not_enrolled';

export function toInfo(record: ApiKeyRecord): ApiKeyInfo {
  const { id, name, environments, policies, createdAt, revokedAt } = record;
  return { id, name, environments, policies, createdAt, ...(revokedAt ? { revokedAt } : {}), mfaEnrolled: !!record.mfa };
}

/** The key id inside a presented token, if it is well formed (used to rate-limit per key before lookup). */
export function keyIdOfToken(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class ApiKeyService {
  // Authentication runs on every request; records change only through this service, so caching is exact.
  readonly #cache = new Map<string, ApiKeyRecord>();
  // Every read-modify-write of a record runs under its id, so spending a TOTP step cannot be lost to (or
  // undo) a concurrent revoke or enrolment, and two requests with one code cannot both see it unspent.
  readonly #locks = new KeyedMutex();

  constructor(private readonly store: EncryptedStore) {}

  /** Loads every key, so the rate limiter knows real key ids from the first request on. */
  async init(): Promise<void> {
    for await (const [, record] of this.store.entriesJson<ApiKeyRecord>(KEY_PREFIX)) this.#cache.set(record.id, record);
  }

  async create(input: { name: string; environments: string[]; policies: string[] }): Promise<{ apiKey: string; key: ApiKeyInfo }> {
    const id = randomBytes(8).toString('hex');
    const token = `lkms_${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id,
      name: input.name,
      environments: [...new Set(input.environments)],
      policies: [...new Set(input.policies)],
      tokenHash: hashToken(token),
      createdAt: new Date().toISOString(),
    };
    await this.#save(record);
    return { apiKey: token, key: toInfo(record) };
  }

  /** The key a token belongs to, or undefined for an unknown, wrong or revoked token. */
  async authenticate(token: string): Promise<ApiKeyRecord | undefined> {
    const id = keyIdOfToken(token);
    if (!id) return undefined;
    const record = await this.#load(id);
    if (!record || record.revokedAt) return undefined;
    const presented = Buffer.from(hashToken(token), 'hex');
    return timingSafeEqual(presented, Buffer.from(record.tokenHash, 'hex')) ? record : undefined;
  }

  /** True when the token names a key that exists (lets the rate limiter key by API key, not by guessable ids). */
  isKnownId(id: string): boolean {
    return this.#cache.has(id);
  }

  async get(id: string): Promise<ApiKeyInfo> {
    return toInfo(await this.#require(id));
  }

  async list(): Promise<ApiKeyInfo[]> {
    const out: ApiKeyInfo[] = [];
    for await (const [, record] of this.store.entriesJson<ApiKeyRecord>(KEY_PREFIX)) out.push(toInfo(record));
    return out;
  }

  async revoke(id: string): Promise<ApiKeyInfo> {
    return this.#locks.run(id, async () => {
      const record = await this.#require(id);
      if (!record.revokedAt) await this.#save({ ...record, revokedAt: new Date().toISOString() });
      return toInfo((await this.#load(id))!);
    });
  }

  /**
   * Enrols TOTP for a key and returns the secret once. Enrolment is an administrative act on *another*
   * key: if a key could enrol itself, whoever stole it could also satisfy `requireMFA`.
   */
  async enrollMfa(id: string, actorId: string): Promise<{ secret: string; otpauthUrl: string }> {
    return this.#locks.run(id, async () => {
      const record = await this.#require(id);
      if (id === actorId) throw forbidden('mfa_self_enrollment', 'an API key cannot enrol MFA for itself; ask an administrator');
      if (record.revokedAt) throw conflict('api_key_revoked', `API key "${id}" is revoked`);
      const secret = generateTotpSecret();
      // A new secret starts with no spent step: its codes have nothing to do with the old secret's.
      await this.#save({ ...record, mfa: { secret, enrolledAt: new Date().toISOString() } });
      return { secret, otpauthUrl: otpauthUrl(secret, record.name || id) };
    });
  }

  /**
   * Checks a TOTP code for the key and, if it is right, spends its time step (RFC 6238 section 5.2): that
   * step and every earlier one are refused from then on, as `replayed`. The step is stored with the key
   * before this returns, so a restart does not forget it, and a crash cannot let a request through first.
   */
  async spendTotp(id: string, code: string, timeMs: number = Date.now()): Promise<TotpOutcome> {
    return this.#locks.run(id, async () => {
      const record = await this.#load(id);
      if (!record?.mfa) return 'not_enrolled';
      const step = totpStep(record.mfa.secret, code, timeMs);
      if (step === undefined) return 'invalid';
      if (record.mfa.lastStep !== undefined && step <= record.mfa.lastStep) return 'replayed';
      await this.#save({ ...record, mfa: { ...record.mfa, lastStep: step } });
      return 'valid';
    });
  }

  async #require(id: string): Promise<ApiKeyRecord> {
    const record = await this.#load(id);
    if (!record) throw notFound('api_key_not_found', `API key "${id}" does not exist`);
    return record;
  }

  async #load(id: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const record = await this.store.getJson<ApiKeyRecord>(KEY_PREFIX + id);
    if (record) this.#cache.set(id, record);
    return record;
  }

  async #save(record: ApiKeyRecord): Promise<void> {
    await this.store.putJson(KEY_PREFIX + record.id, record);
    this.#cache.set(record.id, record);
  }
}
