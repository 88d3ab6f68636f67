/**
 * Provider configuration: where a provider lives (base URL), which API it speaks, which secret holds its key,
 * and what its models cost. The key itself is an ordinary secret, read per call from the *calling token's*
 * environment, so `production` and `staging` tokens use different provider accounts under the same name.
 * Prices are per million tokens, in one currency per provider; a model without a price is not proxied,
 * since the gateway refuses to forward what it cannot meter.
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { invalid, notFound } from '../../server/errors.js';
import { globMatch } from '../policies/glob.js';
import { parseCurrency, parsePricePerMillion } from './money.js';

export const API_STYLES = ['openai', 'anthropic'] as const;
export type ApiStyleName = (typeof API_STYLES)[number];

const PROVIDER_PREFIX = 'ai/provider/';
// Path segments of the engine's own routes; a provider of that name could never be reached.
const RESERVED_NAMES = new Set(['tokens', 'providers']);
export const DEFAULT_PROVIDER_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface ModelPrice {
  /** Exact model name or glob (`claude-sonnet-4-*`); exact names win over patterns. */
  model: string;
  /** Per million input tokens, decimal string. */
  input: string;
  /** Per million output tokens, decimal string. */
  output: string;
}

export interface ProviderConfig {
  name: string;
  style: ApiStyleName;
  baseUrl: string;
  credentialSecret: string;
  currency: string;
  prices: ModelPrice[];
  /** Deadline for the provider's first byte, and for each gap between streamed chunks. */
  timeoutMs: number;
  /** Output cap sent on requests that name none, so every request has a bounded worst-case cost. */
  maxOutputTokens: number;
  createdAt: string;
  updatedAt: string;
}

export type ProviderInput = Pick<ProviderConfig, 'style' | 'baseUrl' | 'credentialSecret' | 'currency' | 'prices'> &
  Partial<Pick<ProviderConfig, 'timeoutMs' | 'maxOutputTokens'>>;

/** Pico-units per token. */
export interface UnitPrice {
  input: bigint;
  output: bigint;
  currency: string;
}

export class ProviderService {
  readonly #providers = new Map<string, ProviderConfig>();

  constructor(private readonly store: EncryptedStore) {}

  async init(): Promise<void> {
    for await (const [, p] of this.store.entriesJson<ProviderConfig>(PROVIDER_PREFIX)) this.#providers.set(p.name, p);
  }

  /** Creates or replaces a provider's configuration. */
  async configure(name: string, input: ProviderInput): Promise<ProviderConfig> {
    if (RESERVED_NAMES.has(name)) throw invalid('invalid_provider_name', `provider name "${name}" is reserved`);
    input.prices.forEach((p, i) => {
      parsePricePerMillion(p.input, `prices[${i}].input`);
      parsePricePerMillion(p.output, `prices[${i}].output`);
    });
    const now = new Date().toISOString();
    const config: ProviderConfig = {
      name,
      style: input.style,
      baseUrl: checkBaseUrl(input.baseUrl),
      credentialSecret: input.credentialSecret,
      currency: parseCurrency(input.currency, 'currency'),
      prices: input.prices.map(({ model, input: i, output: o }) => ({ model, input: i, output: o })),
      timeoutMs: input.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
      maxOutputTokens: input.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      createdAt: this.#providers.get(name)?.createdAt ?? now,
      updatedAt: now,
    };
    await this.store.putJson(PROVIDER_PREFIX + name, config);
    this.#providers.set(name, config);
    return config;
  }

  get(name: string): ProviderConfig {
    const p = this.#providers.get(name);
    if (!p) throw notFound('provider_not_found', `AI provider "${name}" is not configured`);
    return p;
  }

  list(): ProviderConfig[] {
    return [...this.#providers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(name: string): Promise<void> {
    this.get(name);
    await this.store.del(PROVIDER_PREFIX + name);
    this.#providers.delete(name);
  }
}

export function priceOf(provider: ProviderConfig, model: string): UnitPrice | undefined {
  const entry = provider.prices.find((p) => p.model === model) ?? provider.prices.find((p) => globMatch(p.model, model));
  if (!entry) return undefined;
  return { input: parsePricePerMillion(entry.input, 'input'), output: parsePricePerMillion(entry.output, 'output'), currency: provider.currency };
}

function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('invalid_base_url', `"baseUrl" expected an absolute http(s) URL, got "${text.slice(0, 200)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('invalid_base_url', `"baseUrl" expected an http(s) URL, got scheme "${url.protocol}"`);
  if (url.username || url.password || url.search || url.hash) throw invalid('invalid_base_url', '"baseUrl" must not carry credentials, a query or a fragment (the key is a secret, not part of the URL)');
  return url.toString().replace(/\/+$/, '');
}
