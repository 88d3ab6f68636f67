/**
 * Per-token usage and budget state in the store: running totals (`ai/usage/<id>/total`), hourly buckets
 * (`ai/usage/<id>/h/<YYYY-MM-DDTHH>`, UTC) for breakdowns, and the current budget window (`ai/budget/<id>`).
 * Every settled request writes all three in one atomic batch. Writes of one token are serialised, and each
 * writes the latest totals, so a write finishing late can never put older totals back.
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { invalid } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import type { BudgetState } from './budget.js';
import { formatMoney } from './money.js';
import type { Granularity, PeriodUsage } from './usage-report.js';

/** Counts in memory; `cost` in pico-units. */
export interface Counters {
  requests: number;
  failedRequests: number;
  /** Requests whose provider never reported usage: charged their reservation. */
  unmeteredRequests: number;
  inputTokens: number;
  outputTokens: number;
  cost: bigint;
}

interface StoredCounters extends Omit<Counters, 'cost'> {
  cost: string;
}

interface StoredBudget {
  windowStart: number;
  spent: string;
}

export interface Charge {
  at: number;
  inputTokens: number;
  outputTokens: number;
  cost: bigint;
  failed: boolean;
  unmetered: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// A breakdown reads at most this many hourly buckets (400 days): one call cannot scan without bound.
const MAX_BUCKETS = 400 * 24;

export const zeroCounters = (): Counters => ({ requests: 0, failedRequests: 0, unmeteredRequests: 0, inputTokens: 0, outputTokens: 0, cost: 0n });

export function sumCounters(a: Counters, b: Counters): Counters {
  return {
    requests: a.requests + b.requests,
    failedRequests: a.failedRequests + b.failedRequests,
    unmeteredRequests: a.unmeteredRequests + b.unmeteredRequests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cost: a.cost + b.cost,
  };
}

export function chargeCounters(charge: Charge): Counters {
  const { inputTokens, outputTokens, cost } = charge;
  return { requests: 1, failedRequests: charge.failed ? 1 : 0, unmeteredRequests: charge.unmetered ? 1 : 0, inputTokens, outputTokens, cost };
}

const toStored = (c: Counters): StoredCounters => ({ ...c, cost: c.cost.toString() });
const fromStored = (s: StoredCounters): Counters => ({ ...s, cost: BigInt(s.cost) });
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const totalPath = (id: string) => `ai/usage/${id}/total`;
const bucketPrefix = (id: string) => `ai/usage/${id}/h/`;
const budgetPath = (id: string) => `ai/budget/${id}`;

export class UsageLedger {
  readonly #locks = new KeyedMutex();

  constructor(private readonly store: EncryptedStore) {}

  async load(tokenId: string): Promise<{ totals: Counters; budget: BudgetState | undefined }> {
    const [totals, budget] = await Promise.all([this.store.getJson<StoredCounters>(totalPath(tokenId)), this.store.getJson<StoredBudget>(budgetPath(tokenId))]);
    return {
      totals: totals ? fromStored(totals) : zeroCounters(),
      budget: budget ? { windowStart: budget.windowStart, spent: BigInt(budget.spent) } : undefined,
    };
  }

  /** Persists one charge; `current` reads the token's latest totals and budget at write time. */
  record(tokenId: string, charge: Charge, current: () => { totals: Counters; budget: BudgetState | undefined }): Promise<void> {
    return this.#locks.run(tokenId, async () => {
      const path = bucketPrefix(tokenId) + hourKey(charge.at);
      const bucket = await this.store.getJson<StoredCounters>(path);
      const { totals, budget } = current();
      await this.store.batch([
        this.store.putJsonOp(totalPath(tokenId), toStored(totals)),
        this.store.putJsonOp(path, toStored(sumCounters(bucket ? fromStored(bucket) : zeroCounters(), chargeCounters(charge)))),
        ...(budget ? [this.store.putJsonOp(budgetPath(tokenId), { windowStart: budget.windowStart, spent: budget.spent.toString() } satisfies StoredBudget)] : []),
      ]);
    });
  }

  /** Usage per hour or per UTC day between `from` and `to` (inclusive), oldest first; periods without use are left out. */
  async periods(tokenId: string, query: { granularity: Granularity; from: number; to: number }): Promise<PeriodUsage[]> {
    if (query.to < query.from) throw invalid('invalid_range', '"to" must not be before "from"');
    const span = query.granularity === 'hour' ? HOUR_MS : DAY_MS;
    const firstHour = hourKey(Math.floor(query.from / span) * span);
    const lastHour = hourKey(query.to);
    const sums = new Map<number, Counters>();
    let scanned = 0;
    const prefix = bucketPrefix(tokenId);
    for await (const [key, stored] of this.store.entriesJson<StoredCounters>(prefix)) {
      const hour = key.slice(prefix.length);
      if (hour < firstHour) continue;
      if (hour > lastHour || ++scanned > MAX_BUCKETS) break;
      const start = Math.floor(Date.parse(`${hour}:00:00.000Z`) / span) * span;
      sums.set(start, sumCounters(sums.get(start) ?? zeroCounters(), fromStored(stored)));
    }
    return [...sums.entries()].map(([start, c]) => ({
      start: new Date(start).toISOString(),
      end: new Date(start + span).toISOString(),
      requests: c.requests,
      failedRequests: c.failedRequests,
      inputTokens: c.inputTokens,
      outputTokens: c.outputTokens,
      tokens: c.inputTokens + c.outputTokens,
      cost: formatMoney(c.cost),
    }));
  }
}
