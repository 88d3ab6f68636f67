/**
 * The AI engine: tokens, providers, and the proxy's decisions, free of HTTP.
 *
 * A proxied call goes `authenticate` → `admit` → `forward`. `admit` checks the token's provider, model and
 * scope bindings, works out the request's worst-case cost (input bounded by the body's size, output by its
 * cap, priced from the provider's table), and then, in one synchronous step, checks the rate limits and
 * reserves that cost against the budget. `forward` calls the provider with the key read from the token's
 * environment, and settles: the reservation is replaced by the cost of the usage the provider reported, or
 * released if the provider failed, or kept whole if a response never said what it used.
 */
import type { Readable } from 'node:stream';
import type { EncryptedStore } from '../../server/barrier.js';
import { forbidden, GatewayError, invalid, notFound } from '../../server/errors.js';
import type { SecretsService } from '../secrets/service.js';
import { parseDuration } from '../certificates/duration.js';
import { globMatch } from '../policies/glob.js';
import { BudgetWindow } from './budget.js';
import { AiRateLimitError, budgetExceeded } from './errors.js';
import { formatMoney, parseMoney } from './money.js';
import { priceOf, ProviderService, type UnitPrice } from './providers.js';
import { SlidingWindow } from './sliding-window.js';
import { SseParser } from './sse-parser.js';
import { STYLES } from './styles/index.js';
import { parseJson, type ApiStyle, type IncomingHeaders, type Usage } from './styles/style.js';
import { AiTokenService, type AiTokenInfo, type Scope } from './tokens.js';
import { callUpstream, type StreamOutcome, type UpstreamRequest } from './upstream.js';
import { chargeCounters, sumCounters, UsageLedger, type Charge, type Counters } from './usage-ledger.js';
import type { Granularity, UsageReport } from './usage-report.js';

/**
 * Byte-level tokenizers emit at most one token per byte of text, and the JSON around the text is longer than
 * the template tokens it becomes; this covers what providers add on their own (e.g. tool-use system prompts).
 */
const INPUT_OVERHEAD_TOKENS = 1024;
const DEFAULT_CURRENCY = 'USD';
const HOUR_MS = 3_600_000;

export interface AiServiceOptions {
  /** The clock (ms since the epoch); tests move it to cross windows and expiries. */
  now?: () => number;
}

export interface ProxyCall {
  provider: string;
  endpoint: string;
  body: Record<string, unknown>;
  headers: IncomingHeaders;
}

/** An admitted call, as far as anyone outside this service may see it (never the key). */
export interface Admission {
  readonly tokenId: string;
  readonly provider: string;
  readonly model: string;
  readonly scope: Scope;
  readonly stream: boolean;
}

export type ProxyResult =
  | { kind: 'json'; contentType: string; body: Buffer; settled: Promise<void> }
  | { kind: 'stream'; contentType: string; body: Readable; settled: Promise<void> };

interface TokenState {
  totals: Counters;
  requests?: SlidingWindow;
  tokens?: SlidingWindow;
  budget?: BudgetWindow;
}

interface Pending {
  token: AiTokenInfo;
  state: TokenState;
  style: ApiStyle;
  price: UnitPrice;
  admittedAt: number;
  inputBound: number;
  outputBound: number;
  reservation: bigint;
  upstream: UpstreamRequest;
  settled: boolean;
}

const currencyOf = (token: AiTokenInfo) => token.budget?.currency ?? DEFAULT_CURRENCY;

export class AiService {
  readonly tokens: AiTokenService;
  readonly providers: ProviderService;
  readonly #ledger: UsageLedger;
  readonly #now: () => number;
  readonly #states = new Map<string, Promise<TokenState>>();
  // The upstream request (with the key) stays here, out of reach of anything that logs an admission.
  readonly #pending = new WeakMap<Admission, Pending>();
  readonly #writes = new Set<Promise<void>>();

  constructor(
    store: EncryptedStore,
    private readonly secrets: SecretsService,
    options: AiServiceOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.tokens = new AiTokenService(store, this.#now);
    this.providers = new ProviderService(store);
    this.#ledger = new UsageLedger(store);
  }

  async init(): Promise<void> {
    await Promise.all([this.tokens.init(), this.providers.init()]);
  }

  authenticate(bearer: string | undefined): AiTokenInfo {
    return this.tokens.authenticate(bearer);
  }

  async admit(token: AiTokenInfo, call: ProxyCall): Promise<Admission> {
    const provider = this.providers.get(call.provider);
    const style = STYLES[provider.style];
    const scope = style.endpoints[call.endpoint];
    if (!scope) throw notFound('endpoint_not_supported', `provider "${provider.name}" speaks the ${provider.style} API, which has no "/${call.endpoint}" endpoint`);
    const model = call.body.model as string;
    if (token.providers && !token.providers.includes(provider.name)) throw forbidden('provider_not_allowed', `AI token "${token.id}" may not use provider "${provider.name}"`);
    if (!token.models.some((pattern) => globMatch(pattern, model))) throw forbidden('model_not_allowed', `AI token "${token.id}" may not use model "${model}"`);
    if (!token.scopes.includes(scope)) throw forbidden('scope_not_allowed', `AI token "${token.id}" lacks scope "${scope}" (it has ${token.scopes.join(', ')})`);
    const price = priceOf(provider, model);
    if (!price) throw forbidden('model_not_priced', `model "${model}" has no price for provider "${provider.name}"; the gateway does not forward what it cannot meter`);
    if (price.currency !== currencyOf(token)) throw forbidden('currency_mismatch', `provider "${provider.name}" prices in ${price.currency}, AI token "${token.id}" counts in ${currencyOf(token)}`);

    const prepared = style.prepare(call.endpoint, call.body, provider.maxOutputTokens);
    const body = JSON.stringify(prepared.body);
    const inputBound = Buffer.byteLength(body, 'utf8') + INPUT_OVERHEAD_TOKENS;
    const reservation = BigInt(inputBound) * price.input + BigInt(prepared.maxOutputTokens) * price.output;
    const secret = await this.#credential(token, provider.name, provider.credentialSecret);
    const state = await this.#stateOf(token);

    // From here to the end: no await, so checking the limits and reserving is one atomic step.
    const now = this.#now();
    this.#checkRate(token, state, now);
    if (state.budget && !state.budget.tryReserve(reservation, now)) {
      const snap = state.budget.snapshot(now);
      throw budgetExceeded(
        `AI token "${token.id}" would exceed its budget of ${token.budget!.maxSpend} ${token.budget!.currency} per ${token.budget!.period}: ` +
          `this request may cost up to ${formatMoney(reservation)}, ${formatMoney(snap.remaining)} remains until ${new Date(snap.windowEnd).toISOString()}`,
      );
    }
    state.requests?.add(now);
    const admission: Admission = { tokenId: token.id, provider: provider.name, model, scope, stream: prepared.stream };
    this.#pending.set(admission, {
      token,
      state,
      style,
      price,
      admittedAt: now,
      inputBound,
      outputBound: prepared.maxOutputTokens,
      reservation,
      upstream: {
        providerName: provider.name,
        url: `${provider.baseUrl}/${call.endpoint}`,
        headers: style.headers(secret, call.headers),
        body,
        stream: prepared.stream,
        timeoutMs: provider.timeoutMs,
        secret,
      },
      settled: false,
    });
    return admission;
  }

  /** Undoes an admission whose call will not be made (e.g. its audit record could not be written). */
  cancel(admission: Admission): void {
    const p = this.#take(admission);
    p.state.requests?.remove(p.admittedAt);
    p.state.budget?.release(p.reservation);
  }

  /** Calls the provider and settles the admission once the answer (or stream) is complete. */
  async forward(admission: Admission, clientGone: AbortSignal): Promise<ProxyResult> {
    const p = this.#take(admission);
    const tracker = p.style.streamTracker();
    const parser = new SseParser((event) => tracker.onEvent(event));
    let res;
    try {
      res = await callUpstream(p.upstream, (chunk) => parser.push(chunk), clientGone);
    } catch (err) {
      // Nothing was delivered: providers do not bill failed calls, so neither do we.
      const settled = this.#settle(p, { failed: true, usage: { inputTokens: 0, outputTokens: 0 } });
      await settled.catch(() => undefined);
      throw err;
    }
    if (res.kind === 'json') {
      const usage = p.style.usageFromJson(parseJson(res.body.toString('utf8')));
      return { ...res, settled: this.#settle(p, { failed: false, usage }) };
    }
    const settled = res.finished.then((outcome: StreamOutcome) => {
      parser.end();
      return this.#settle(p, { failed: outcome === 'timeout' || outcome === 'failed', usage: tracker.usage() });
    });
    return { ...res, settled };
  }

  /** Totals, the budget and rate-limit windows as they stand, and a breakdown per hour or day. */
  async usage(tokenId: string, query: { granularity?: Granularity; from?: string; to?: string } = {}): Promise<UsageReport> {
    const token = this.tokens.get(tokenId);
    const state = await this.#stateOf(token);
    const now = this.#now();
    const granularity = query.granularity ?? 'day';
    const to = query.to === undefined ? now : parseTime(query.to, 'to');
    const from = query.from === undefined ? to - (granularity === 'hour' ? 48 : 30 * 24) * HOUR_MS : parseTime(query.from, 'from');
    const t = state.totals;
    const report: UsageReport = {
      tokenId,
      currency: currencyOf(token),
      requests: t.requests,
      failedRequests: t.failedRequests,
      unmeteredRequests: t.unmeteredRequests,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      tokens: t.inputTokens + t.outputTokens,
      cost: formatMoney(t.cost),
      granularity,
      periods: await this.#ledger.periods(tokenId, { granularity, from, to }),
    };
    if (token.budget && state.budget) {
      const b = state.budget.snapshot(now);
      report.budget = {
        ...token.budget,
        windowStart: new Date(b.windowStart).toISOString(),
        windowEnd: new Date(b.windowEnd).toISOString(),
        spent: formatMoney(b.spent),
        reserved: formatMoney(b.reserved),
        remaining: formatMoney(b.remaining),
      };
    }
    if (token.rateLimit && state.requests) {
      report.rateLimit = { ...token.rateLimit, used: state.requests.total(now), ...(state.tokens ? { tokensUsed: state.tokens.total(now) } : {}) };
    }
    return report;
  }

  /** Resolves once every usage record started so far is written; used on shutdown. */
  async drain(): Promise<void> {
    while (this.#writes.size) await Promise.allSettled([...this.#writes]);
  }

  #take(admission: Admission): Pending {
    const p = this.#pending.get(admission);
    if (!p) throw new Error('admission is unknown or already used');
    this.#pending.delete(admission);
    return p;
  }

  #checkRate(token: AiTokenInfo, state: TokenState, now: number): void {
    const limit = token.rateLimit;
    if (!limit) return;
    if (state.requests && state.requests.total(now) >= limit.requests) {
      const wait = Math.ceil(state.requests.msUntilRelease(now) / 1000);
      throw new AiRateLimitError('ai_rate_limited', `AI token "${token.id}" allows ${limit.requests} requests per ${limit.period}; retry in ${wait} s`, wait);
    }
    // Token use is known only after a call, so this cap stops the calls that follow the one crossing it.
    if (limit.tokens !== undefined && state.tokens && state.tokens.total(now) >= limit.tokens) {
      const wait = Math.ceil(state.tokens.msUntilRelease(now) / 1000);
      throw new AiRateLimitError('ai_token_limit', `AI token "${token.id}" allows ${limit.tokens} model tokens per ${limit.period}; retry in ${wait} s`, wait);
    }
  }

  async #credential(token: AiTokenInfo, provider: string, secretName: string): Promise<string> {
    try {
      return (await this.secrets.get(token.environment, secretName)).value;
    } catch (err) {
      if (err instanceof GatewayError && err.kind === 'not_found') {
        throw new GatewayError('unavailable', 'provider_credential_missing', `provider "${provider}" has no credential in environment "${token.environment}": store its key as secret "${secretName}" there`);
      }
      throw err;
    }
  }

  #stateOf(token: AiTokenInfo): Promise<TokenState> {
    let state = this.#states.get(token.id);
    if (!state) {
      const { rateLimit, budget: spec } = token;
      const ratePeriodMs = rateLimit ? parseDuration(rateLimit.period, 'rateLimit.period') * 1000 : 0;
      state = this.#ledger.load(token.id).then(({ totals, budget }) => ({
        totals,
        ...(rateLimit ? { requests: new SlidingWindow(ratePeriodMs) } : {}),
        ...(rateLimit?.tokens !== undefined ? { tokens: new SlidingWindow(ratePeriodMs) } : {}),
        ...(spec ? { budget: new BudgetWindow(parseMoney(spec.maxSpend, 'budget.maxSpend'), parseDuration(spec.period, 'budget.period') * 1000, budget) } : {}),
      }));
      // A failed load is not cached: the next call tries the store again.
      state.catch(() => this.#states.delete(token.id));
      this.#states.set(token.id, state);
    }
    return state;
  }

  #settle(p: Pending, outcome: { failed: boolean; usage: Usage | undefined }): Promise<void> {
    if (p.settled) return Promise.resolve();
    p.settled = true;
    const now = this.#now();
    const { usage } = outcome;
    // No usage reported for a call that reached the provider: charge the worst case it was admitted for.
    const charge: Charge = usage
      ? { at: now, ...usage, cost: BigInt(usage.inputTokens) * p.price.input + BigInt(usage.outputTokens) * p.price.output, failed: outcome.failed, unmetered: false }
      : { at: now, inputTokens: p.inputBound, outputTokens: p.outputBound, cost: p.reservation, failed: outcome.failed, unmetered: true };
    const { state } = p;
    state.budget?.settle(p.reservation, charge.cost, now);
    state.tokens?.add(now, charge.inputTokens + charge.outputTokens);
    state.totals = sumCounters(state.totals, chargeCounters(charge));
    const write = this.#ledger.record(p.token.id, charge, () => ({ totals: state.totals, budget: state.budget?.persisted() }));
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write)).catch(() => undefined);
    return write;
  }
}

function parseTime(text: string, field: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid('invalid_request', `"${field}" expected an ISO 8601 time, got "${text.slice(0, 40)}"`);
  return ms;
}
