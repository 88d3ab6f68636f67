/**
 * Prometheus metrics of a party node: sessions by ceremony and outcome, round latency, aborts by reason, active
 * sessions, presignature pool and prime pool levels, stale secret records swept. Served by the control API at `/metrics`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ProtocolAbort, TransportError } from '../protocols/errors.js';
import type { SessionContext, SessionObserver } from './sessions/manager.js';

export type AbortReason = 'timeout' | 'misbehaviour' | 'refused' | 'transport' | 'other';

export function abortReason(error: Error): AbortReason {
  if (error instanceof TransportError) return error.code === 'session_timeout' ? 'timeout' : 'transport';
  if (error instanceof ProtocolAbort) return error.culprits.length > 0 ? 'misbehaviour' : 'other';
  if ((error as { code?: string }).code?.startsWith('invalid') || error.name === 'InvalidInputError') return 'refused';
  return 'other';
}

export type SweptKind = 'pending_generation' | 'presignature';

export class NodeMetrics implements SessionObserver {
  readonly registry = new Registry();
  private readonly sessions = new Counter({ name: 'luxkms_sessions_total', help: 'Protocol sessions finished, by ceremony and outcome', labelNames: ['ceremony', 'outcome'], registers: [this.registry] });
  private readonly aborts = new Counter({ name: 'luxkms_aborts_total', help: 'Failed sessions by ceremony and reason', labelNames: ['ceremony', 'reason'], registers: [this.registry] });
  private readonly rounds = new Histogram({
    name: 'luxkms_round_seconds',
    help: 'Time from entering a round to leaving it',
    labelNames: ['ceremony'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly activeSessions = new Gauge({ name: 'luxkms_sessions_active', help: 'Sessions in progress', registers: [this.registry] });
  readonly presignatures = new Gauge({ name: 'luxkms_presignatures_ready', help: 'Presignatures held, by key', labelNames: ['key'], registers: [this.registry] });
  readonly primePairs = new Gauge({ name: 'luxkms_prime_pairs_ready', help: 'Safe-prime pairs ready for Paillier keys', registers: [this.registry] });
  private readonly swept = new Counter({
    name: 'luxkms_swept_total',
    help: 'Secret records erased because they can never be used: pending generations of failed ceremonies, unconfirmed presignatures',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  recordSwept(kind: SweptKind, count = 1): void {
    if (count > 0) this.swept.inc({ kind }, count);
  }

  roundFinished(ctx: SessionContext, _round: number, seconds: number): void {
    this.rounds.observe({ ceremony: ctx.ceremony }, seconds);
  }

  sessionFinished(ctx: SessionContext, error?: Error): void {
    this.sessions.inc({ ceremony: ctx.ceremony, outcome: error ? 'failed' : 'completed' });
    if (error) this.aborts.inc({ ceremony: ctx.ceremony, reason: abortReason(error) });
  }
}
