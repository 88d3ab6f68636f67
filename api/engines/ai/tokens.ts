/**
 * AI access tokens: what teams hand out instead of their provider keys. A token is `lkai_<hex>_<secret>`;
 * only SHA-256 of the whole token is stored (it carries 256 random bits, so a slow hash would add latency to
 * every proxied call without adding strength), and it is shown once, at creation. Each token is bound to one
 * environment (whose provider credentials it uses), to models, scopes, and optionally providers, a rate limit,
 * a budget and an expiry. Records are cached in memory: this service is their only writer.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EncryptedStore } from '../../server/barrier.js';
import { GatewayError, invalid, notFound } from '../../server/errors.js';
import { AiTokenRefusedError } from './errors.js';
import { parseDuration } from '../certificates/duration.js';
import { formatMoney, parseCurrency, parseMoney } from './money.js';

export const SCOPES = ['chat', 'completions', 'embeddings'] as const;
export type Scope = (typeof SCOPES)[number];

const TOKEN_PATTERN = /^lkai_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TOKEN_PREFIX = 'ai/token/';
const MAX_RATE = 1_000_000_000;
const MAX_TOKENS_PER_PERIOD = 1_000_000_000_000;

export interface RateLimitSpec {
  requests: number;
  period: string;
  /** Optional cap on model tokens (input + output) in the same period. */
  tokens?: number;
}

export interface BudgetSpec {
  /** Decimal string, normalised (`"100.00"`). */
  maxSpend: string;
  currency: string;
  period: string;
}

export interface AiTokenInfo {
  id: string;
  name: string;
  environment: string;
  models: string[];
  scopes: Scope[];
  providers?: string[];
  rateLimit?: RateLimitSpec;
  budget?: BudgetSpec;
  expiresAt?: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt?: string;
}

interface AiTokenRecord extends AiTokenInfo {
  tokenHash: string;
}

export interface CreateTokenInput {
  name?: string;
  environment: string;
  models: string[];
  scopes: string[];
  providers?: string[];
  rateLimit?: RateLimitSpec;
  budget?: BudgetSpec;
  /** A duration from now (`"30d"`), or use `expiresAt`. */
  expiresIn?: string;
  expiresAt?: string;
  createdBy: string | null;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const unauthenticated = (code: string, message: string) => new GatewayError('unauthenticated', code, message);

function toInfo({ tokenHash: _hash, ...info }: AiTokenRecord): AiTokenInfo {
  return info;
}

export class AiTokenService {
  readonly #cache = new Map<string, AiTokenRecord>();

  constructor(
    private readonly store: EncryptedStore,
    private readonly now: () => number,
  ) {}

  async init(): Promise<void> {
    for await (const [, record] of this.store.entriesJson<AiTokenRecord>(TOKEN_PREFIX)) this.#cache.set(record.id, record);
  }

  async create(input: CreateTokenInput): Promise<AiTokenInfo & { token: string }> {
    const hex = randomBytes(8).toString('hex');
    const token = `lkai_${hex}_${randomBytes(32).toString('base64url')}`;
    const record: AiTokenRecord = {
      id: `ait_${hex}`,
      name: input.name ?? '',
      environment: input.environment,
      models: [...new Set(input.models)],
      scopes: checkScopes(input.scopes),
      ...(input.providers ? { providers: [...new Set(input.providers)] } : {}),
      ...(input.rateLimit ? { rateLimit: checkRateLimit(input.rateLimit) } : {}),
      ...(input.budget ? { budget: checkBudget(input.budget) } : {}),
      ...expiry(input, this.now()),
      createdAt: new Date(this.now()).toISOString(),
      createdBy: input.createdBy,
      tokenHash: hashToken(token).toString('hex'),
    };
    if (record.models.length === 0) throw invalid('invalid_request', '"models" expected at least one model name or pattern');
    await this.#save(record);
    return { ...toInfo(record), token };
  }

  /** The token's record, or a 401 saying why it cannot be used. */
  authenticate(token: string | undefined): AiTokenInfo {
    if (!token) throw unauthenticated('missing_ai_token', 'an AI access token is required: send "Authorization: Bearer lkai_…" or "x-api-key"');
    const m = TOKEN_PATTERN.exec(token);
    const record = m ? this.#cache.get(`ait_${m[1]}`) : undefined;
    if (!record || !timingSafeEqual(hashToken(token), Buffer.from(record.tokenHash, 'hex'))) {
      throw unauthenticated('invalid_ai_token', 'the AI access token is unknown');
    }
    if (record.revokedAt) throw new AiTokenRefusedError(record.id, 'ai_token_revoked', `AI token "${record.id}" was revoked at ${record.revokedAt}`);
    if (record.expiresAt && Date.parse(record.expiresAt) <= this.now()) throw new AiTokenRefusedError(record.id, 'ai_token_expired', `AI token "${record.id}" expired at ${record.expiresAt}`);
    return toInfo(record);
  }

  /** A token's record without the hash; `undefined` if there is none. Synchronous: used by access checks. */
  peek(id: string): AiTokenInfo | undefined {
    const record = this.#cache.get(id);
    return record ? toInfo(record) : undefined;
  }

  get(id: string): AiTokenInfo {
    const info = this.peek(id);
    if (!info) throw notFound('ai_token_not_found', `AI token "${id}" does not exist`);
    return info;
  }

  list(filter: (token: AiTokenInfo) => boolean = () => true): AiTokenInfo[] {
    return [...this.#cache.values()].map(toInfo).filter(filter).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(id: string): Promise<AiTokenInfo> {
    const record = this.#cache.get(id);
    if (!record) throw notFound('ai_token_not_found', `AI token "${id}" does not exist`);
    if (!record.revokedAt) await this.#save({ ...record, revokedAt: new Date(this.now()).toISOString() });
    return toInfo(this.#cache.get(id)!);
  }

  async #save(record: AiTokenRecord): Promise<void> {
    await this.store.putJson(TOKEN_PREFIX + record.id, record);
    this.#cache.set(record.id, record);
  }
}

function checkScopes(scopes: string[]): Scope[] {
  if (scopes.length === 0) throw invalid('invalid_request', `"scopes" expected at least one of ${SCOPES.join(', ')}`);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw invalid('invalid_scope', `"scopes" expected values among ${SCOPES.join(', ')}, got "${s}"`);
  }
  return [...new Set(scopes)] as Scope[];
}

function checkRateLimit(r: RateLimitSpec): RateLimitSpec {
  if (!Number.isSafeInteger(r.requests) || r.requests < 1 || r.requests > MAX_RATE) throw invalid('invalid_rate_limit', `"rateLimit.requests" expected integer 1..${MAX_RATE}, got ${r.requests}`);
  parseDuration(r.period, 'rateLimit.period');
  if (r.tokens !== undefined && (!Number.isSafeInteger(r.tokens) || r.tokens < 1 || r.tokens > MAX_TOKENS_PER_PERIOD)) {
    throw invalid('invalid_rate_limit', `"rateLimit.tokens" expected integer 1..${MAX_TOKENS_PER_PERIOD}, got ${r.tokens}`);
  }
  return { requests: r.requests, period: r.period, ...(r.tokens === undefined ? {} : { tokens: r.tokens }) };
}

function checkBudget(b: BudgetSpec): BudgetSpec {
  const max = parseMoney(b.maxSpend, 'budget.maxSpend');
  if (max === 0n) throw invalid('invalid_amount', '"budget.maxSpend" expected an amount above zero');
  parseDuration(b.period, 'budget.period');
  return { maxSpend: formatMoney(max), currency: parseCurrency(b.currency, 'budget.currency'), period: b.period };
}

function expiry(input: CreateTokenInput, now: number): { expiresAt?: string } {
  if (input.expiresIn !== undefined && input.expiresAt !== undefined) throw invalid('invalid_request', 'give "expiresIn" or "expiresAt", not both');
  if (input.expiresIn !== undefined) return { expiresAt: new Date(now + parseDuration(input.expiresIn, 'expiresIn') * 1000).toISOString() };
  if (input.expiresAt === undefined) return {};
  const at = Date.parse(input.expiresAt);
  if (Number.isNaN(at) || at <= now) throw invalid('invalid_expiry', `"expiresAt" expected an ISO 8601 time in the future, got "${input.expiresAt.slice(0, 40)}"`);
  return { expiresAt: new Date(at).toISOString() };
}
