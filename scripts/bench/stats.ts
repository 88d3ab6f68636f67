/**
 * Sampling and summary helpers shared by the benchmarks that `npm run bench` orchestrates: nearest-rank quantiles,
 * a time-bounded sampling loop (warm-up first, then samples until a count or a time budget runs out), and the
 * per-party CPU of simulated protocol runs.
 */
import type { PartyId } from '../../protocols/errors.js';
import type { ProtocolSession } from '../../protocols/round/session.js';

/** Nearest-rank quantile: an observed value, so p99 of a small sample is its maximum, never an interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export interface SampleBudget {
  warmup: number;
  /** Samples taken even when the budget is already spent. */
  min: number;
  max: number;
  budgetMs: number;
}

/**
 * Calls `run` `warmup` times unrecorded, then records what it returns (a measured figure) until `max` samples or
 * until `budgetMs` has passed since the first recorded sample, whichever comes first, but at least `min` samples.
 */
export async function sampleWithin(budget: SampleBudget, run: (index: number) => Promise<number> | number): Promise<number[]> {
  for (let i = 0; i < budget.warmup; i++) await run(-1 - i);
  const samples: number[] = [];
  const deadline = performance.now() + budget.budgetMs;
  while (samples.length < budget.max && (samples.length < budget.min || performance.now() < deadline)) samples.push(await run(samples.length));
  return samples;
}

/** CPU milliseconds (user + system) this process spends in `fn`: on a shared machine wall time also counts the neighbours. */
export function cpuMs(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export function wallMs(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Wraps every session's `start` and `receive` to add up the CPU each party spends, so a run of all parties on one
 * thread still tells the busiest party's share: the critical path when each party is its own process on its own core.
 */
export function trackPartyCpu<R>(sessions: Map<PartyId, ProtocolSession<R>>): Map<PartyId, number> {
  const cpu = new Map<PartyId, number>();
  for (const [party, session] of sessions) {
    const timed = <A extends unknown[], T>(f: (...args: A) => T) => (...args: A): T => {
      const start = process.cpuUsage();
      try {
        return f(...args);
      } finally {
        const used = process.cpuUsage(start);
        cpu.set(party, (cpu.get(party) ?? 0) + (used.user + used.system) / 1000);
      }
    };
    session.start = timed(session.start.bind(session));
    session.receive = timed(session.receive.bind(session));
  }
  return cpu;
}
