/**
 * `kms.ai`: AI access tokens (scoped stand-ins for provider keys), their usage, and provider configuration.
 *
 *   const token = await kms.ai.createToken({ model: 'claude-sonnet-4-20250514', scopes: ['chat'],
 *     rateLimit: { requests: 1000, period: '1h' }, budget: { maxSpend: '100.00', currency: 'USD', period: '1d' } });
 *   const usage = await kms.ai.getUsage(token.id); // { requests, tokens, cost: "12.50", … }
 *
 * The token itself (`token.token`) is shown once; applications use it as the API key of their OpenAI or
 * Anthropic client with the gateway's `/v1/ai/<provider>` as base URL.
 */
// Types only: the usage report is the AI engine's own shape, so the two cannot drift; no gateway code is loaded.
import type { PeriodUsage, UsageReport } from '../engines/ai/usage-report.js';
import type { Transport } from './transport.js';
import { requireObject, seg } from './validate.js';

export type AiScope = 'chat' | 'completions' | 'embeddings';

export interface CreateAiTokenInput {
  /** One model (exact name or glob such as `gpt-4o*`); or `models` for several. */
  model?: string;
  models?: string[];
  scopes: AiScope[];
  /** Requests per period (`"1h"`, `"1d"`…), optionally also model tokens per period. */
  rateLimit?: { requests: number; period: string; tokens?: number };
  /** `maxSpend` is a decimal string: money is never a float. */
  budget?: { maxSpend: string; currency: string; period: string };
  /** Limit the token to these configured providers. */
  providers?: string[];
  expiresIn?: string;
  expiresAt?: string | Date;
  name?: string;
  /** Whose provider credentials the token uses; default: the client's environment. */
  environment?: string;
}

export interface AiToken {
  id: string;
  name: string;
  environment: string;
  models: string[];
  scopes: AiScope[];
  providers?: string[];
  rateLimit?: { requests: number; period: string; tokens?: number };
  budget?: { maxSpend: string; currency: string; period: string };
  expiresAt?: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt?: string;
}

export interface CreatedAiToken extends AiToken {
  /** The bearer token, `lkai_…`: shown only here. */
  token: string;
}

export type AiUsagePeriod = PeriodUsage;
export type AiUsage = UsageReport;

export interface AiProviderInput {
  style: 'openai' | 'anthropic';
  baseUrl: string;
  /** Name of the secret holding the provider key, in each environment whose tokens use this provider. */
  credentialSecret: string;
  currency: string;
  /** Prices per million tokens, decimal strings; `model` may be a glob. */
  prices: { model: string; input: string; output: string }[];
  timeoutMs?: number;
  maxOutputTokens?: number;
}

export interface AiProvider extends Required<AiProviderInput> {
  name: string;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);

export class AiClient {
  constructor(
    private readonly http: Transport,
    private readonly defaultEnvironment: string,
  ) {}

  createToken(input: CreateAiTokenInput): Promise<CreatedAiToken> {
    const { environment, expiresAt, ...rest } = requireObject(input, 'input');
    if (rest.budget !== undefined && typeof requireObject(rest.budget, 'budget').maxSpend !== 'string') {
      throw new TypeError(`"budget.maxSpend" expected a decimal string such as "100.00", got ${typeof rest.budget.maxSpend}`);
    }
    const body = { ...rest, environment: environment ?? this.defaultEnvironment, ...(expiresAt === undefined ? {} : { expiresAt: iso(expiresAt) }) };
    return this.http.call({ method: 'POST', path: '/v1/ai/tokens', body, idempotent: false });
  }

  getUsage(tokenId: string, options: { granularity?: 'hour' | 'day'; from?: string | Date; to?: string | Date } = {}): Promise<AiUsage> {
    const { granularity, from, to } = options;
    return this.http.call({ method: 'GET', path: `/v1/ai/tokens/${seg(tokenId, 'tokenId')}/usage`, query: { granularity, from: iso(from), to: iso(to) }, idempotent: true });
  }

  async listTokens(options: { environment?: string } = {}): Promise<AiToken[]> {
    return (await this.http.call<{ tokens: AiToken[] }>({ method: 'GET', path: '/v1/ai/tokens', query: { environment: options.environment }, idempotent: true })).tokens;
  }

  getToken(tokenId: string): Promise<AiToken> {
    return this.http.call({ method: 'GET', path: `/v1/ai/tokens/${seg(tokenId, 'tokenId')}`, idempotent: true });
  }

  revokeToken(tokenId: string): Promise<AiToken> {
    return this.http.call({ method: 'DELETE', path: `/v1/ai/tokens/${seg(tokenId, 'tokenId')}`, idempotent: true });
  }

  /** Creates or replaces a provider's configuration (so repeating it is safe). */
  configureProvider(name: string, input: AiProviderInput): Promise<AiProvider> {
    return this.http.call({ method: 'PUT', path: `/v1/ai/providers/${seg(name, 'name')}`, body: requireObject(input, 'input'), idempotent: true });
  }

  getProvider(name: string): Promise<AiProvider> {
    return this.http.call({ method: 'GET', path: `/v1/ai/providers/${seg(name, 'name')}`, idempotent: true });
  }

  async listProviders(): Promise<AiProvider[]> {
    return (await this.http.call<{ providers: AiProvider[] }>({ method: 'GET', path: '/v1/ai/providers', idempotent: true })).providers;
  }

  async deleteProvider(name: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/v1/ai/providers/${seg(name, 'name')}`, idempotent: true });
  }
}
