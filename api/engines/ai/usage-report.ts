/** What `getUsage` returns for an AI access token: totals, the budget and rate-limit state, and usage per period. */

export type Granularity = 'hour' | 'day';

export interface PeriodUsage {
  start: string;
  end: string;
  requests: number;
  failedRequests: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  cost: string;
}

export interface UsageReport {
  tokenId: string;
  currency: string;
  requests: number;
  failedRequests: number;
  /** Calls whose provider never reported usage; each was charged its worst-case cost. */
  unmeteredRequests: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  /** Exact decimal string, e.g. `"12.50"`. */
  cost: string;
  budget?: { maxSpend: string; currency: string; period: string; windowStart: string; windowEnd: string; spent: string; reserved: string; remaining: string };
  rateLimit?: { requests: number; period: string; used: number; tokens?: number; tokensUsed?: number };
  granularity: Granularity;
  periods: PeriodUsage[];
}
