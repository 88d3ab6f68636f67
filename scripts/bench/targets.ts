/**
 * The targets of PERFORMANCE.md, each judged on figures measured in one `npm run bench` run: our figure, the peer or
 * limit beside it (measured in the same run), their ratio, and whether every part of the target was met.
 */
import { CLUSTER, DKLS, FROST_ENGINE, GATEWAY } from './figures.js';
import type { BenchReport, Figure } from './report.js';
import { round } from './report.js';

export type Results = Record<string, BenchReport | undefined>;

export interface TargetRow {
  measure: string;
  target: string;
  ours: string;
  peer: string;
  ratio: string;
  status: 'met' | 'MISSED' | 'not measured';
  /** What failed, or what the figure rests on. */
  detail: string;
}

interface Judged {
  ours: string;
  peer: string;
  ratio?: number;
  /** [met, description]: the target is met when every check is. */
  checks: [boolean, string][];
  detail?: string;
}

interface Target {
  measure: string;
  target: string;
  judge(results: Results): Judged | undefined;
}

const fig = (results: Results, bench: string, name: string): Figure | undefined => results[bench]?.figures[name];
const ms = (f: Figure) => `${round(f.value)} ms${f.p99 === undefined ? '' : ` (p99 ${round(f.p99)})`}`;
const times = (x: number) => `${round(x)}×`;
/** An upper limit in ms, written once so the check and its description cannot disagree. */
const atMostMs = (f: Figure, limit: number): [boolean, string] => [f.value <= limit, `${round(f.value)} ms vs ≤ ${limit} ms`];
/** The ratio to a peer figure, when the peer was measured. */
const ratioTo = (ours: Figure, peer: Figure | undefined): { ratio?: number } => (peer ? { ratio: ours.value / peer.value } : {});

export const TARGETS: Target[] = [
  {
    measure: 'ECDSA 2-of-3 sign, warm presignature pool, p50',
    target: '≤ 5 ms and ≤ 10× a single-party noble sign',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.pooledSign);
      const noble = fig(r, 'cluster', CLUSTER.nobleSign);
      const cpu = fig(r, 'cluster', CLUSTER.pooledSignCpu);
      if (!ours || !noble) return undefined;
      const ratio = ours.value / noble.value;
      return {
        ours: `${ms(ours)}, ${ours.note ?? ''}`,
        peer: `noble sign ${ms(noble)}`,
        ratio,
        checks: [atMostMs(ours, 5), [ratio <= 10, `${times(ratio)} vs ≤ 10×`]],
        ...(cpu ? { detail: `CPU of all nodes per signature ${round(cpu.value)} ms` } : {}),
      };
    },
  },
  {
    measure: 'ECDSA 2-of-3 sign without a pool (presign + sign)',
    target: '≤ 600 ms; ratio to DKLs23 reported',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.noPoolSign);
      const dkls = fig(r, 'dkls23', DKLS.sign);
      const cpu = fig(r, 'cluster', CLUSTER.noPoolSignCpu);
      const busiest = fig(r, 'cluster', CLUSTER.noPoolSignBusiest);
      if (!ours) return undefined;
      return {
        ours: ms(ours),
        peer: dkls ? `DKLs23 ${ms(dkls)} (one process)` : 'DKLs23 unavailable',
        ...ratioTo(ours, dkls),
        checks: [atMostMs(ours, 600)],
        ...(cpu && busiest ? { detail: `CPU ${round(cpu.value)} ms over both signers, ${round(busiest.value)} ms on the busier` } : {}),
      };
    },
  },
  {
    measure: 'FROST keygen and sign 2-of-3 through the round engine, one process (plain and BIP-340)',
    target: '≤ 1.2× noble FROST called directly, every operation',
    judge(r) {
      const rows = FROST_ENGINE.operations.map((op) => ({ op, ours: fig(r, 'frost', FROST_ENGINE.ours(op)), ratio: fig(r, 'frost', FROST_ENGINE.ratio(op)) }));
      if (rows.some((row) => !row.ours || !row.ratio)) return undefined;
      const worst = rows.reduce((a, b) => (b.ratio!.value > a.ratio!.value ? b : a));
      return {
        ours: rows.map((row) => `${row.op} ${round(row.ours!.value)} ms`).join('; '),
        peer: 'noble FROST, same operations, same process',
        ratio: worst.ratio!.value,
        checks: rows.map((row): [boolean, string] => [row.ratio!.value <= 1.2, `${row.op} ${times(row.ratio!.value)} vs ≤ 1.2×`]),
        detail: `worst: ${worst.op}`,
      };
    },
  },
  {
    measure: 'FROST / BIP-340 2-of-3 sign across processes, p50',
    target: '≤ 1.5× noble FROST in one process',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.frostSign);
      const noble = fig(r, 'cluster', CLUSTER.nobleFrostSign);
      if (!ours || !noble) return undefined;
      const ratio = ours.value / noble.value;
      return { ours: ms(ours), peer: `noble schnorr_FROST ${ms(noble)}`, ratio, checks: [[ratio <= 1.5, `${times(ratio)} vs ≤ 1.5×`]] };
    },
  },
  {
    measure: 'CGGMP21 keygen + aux info, 3 parties, warm prime pool',
    target: '≤ 3 s; ratio to DKLs23 keygen reported',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.keygen);
      const dkls = fig(r, 'dkls23', DKLS.keygen);
      const cpu = fig(r, 'cluster', CLUSTER.keygenCpu);
      const busiest = fig(r, 'cluster', CLUSTER.keygenBusiest);
      if (!ours) return undefined;
      return {
        ours: `${ms(ours)} [n=${ours.n}]`,
        peer: dkls ? `DKLs23 keygen ${ms(dkls)} (one process)` : 'DKLs23 unavailable',
        ...ratioTo(ours, dkls),
        checks: [atMostMs(ours, 3000)],
        ...(cpu && busiest ? { detail: `CPU ${round(cpu.value)} ms over 3 nodes, ${round(busiest.value)} ms on the busiest` } : {}),
      };
    },
  },
  {
    measure: 'LSS reshare 2-of-3 → 3-of-5 (ECDSA, incl. aux for the new parties)',
    target: '≤ 5 s',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.reshare);
      const cpu = fig(r, 'cluster', CLUSTER.reshareCpu);
      const busiest = fig(r, 'cluster', CLUSTER.reshareBusiest);
      if (!ours) return undefined;
      return {
        ours: ms(ours),
        peer: busiest ? `busiest node CPU ${round(busiest.value)} ms (one core per node)` : '—',
        ...ratioTo(ours, busiest),
        checks: [atMostMs(ours, 5000)],
        ...(cpu ? { detail: `CPU ${round(cpu.value)} ms over 5 node processes on this machine's cores` } : {}),
      };
    },
  },
  {
    measure: 'signatures/s sustained, one 2-of-3 ECDSA wallet, pool on',
    target: '≥ 200',
    judge(r) {
      const ours = fig(r, 'cluster', CLUSTER.sustained);
      const ceiling = fig(r, 'cluster', CLUSTER.sustainedCeiling);
      const latency = fig(r, 'cluster', CLUSTER.sustainedLatency);
      if (!ours) return undefined;
      return {
        ours: `${round(ours.value)} sig/s (${ours.note ?? ''})`,
        peer: ceiling ? `presign-bound ceiling ${round(ceiling.value)} sig/s` : '—',
        ...ratioTo(ours, ceiling),
        checks: [[ours.value >= 200, `${round(ours.value)} vs ≥ 200 sig/s`]],
        ...(latency ? { detail: `latency under that load ${ms(latency)}` } : {}),
      };
    },
  },
  {
    measure: 'authenticated, audited secret read, 64 concurrent clients',
    target: '≥ 40% of a bare Fastify route; p99 ≤ 20 ms',
    judge(r) {
      const read = fig(r, 'gateway-scaling', GATEWAY.read(64));
      const bare = fig(r, 'gateway-scaling', GATEWAY.bare(64));
      const latency = fig(r, 'gateway-scaling', GATEWAY.readLatency(64));
      if (!read || !bare || !latency) return undefined;
      const ratio = read.value / bare.value;
      return {
        ours: `${round(read.value)} req/s, p50 ${round(latency.value)} ms, p99 ${round(latency.p99!)} ms`,
        peer: `bare Fastify ${round(bare.value)} req/s`,
        ratio,
        checks: [[ratio >= 0.4, `${round(ratio * 100)}% vs ≥ 40%`], [latency.p99! <= 20, `p99 ${round(latency.p99!)} ms vs ≤ 20 ms`]],
      };
    },
  },
];

export function judgeTargets(results: Results): TargetRow[] {
  return TARGETS.map((t): TargetRow => {
    const judged = t.judge(results);
    if (!judged) return { measure: t.measure, target: t.target, ours: '—', peer: '—', ratio: '—', status: 'not measured', detail: 'its benchmark did not report this figure' };
    const failed = judged.checks.filter(([met]) => !met).map(([, text]) => text);
    const status = failed.length === 0 ? 'met' : 'MISSED';
    return {
      measure: t.measure,
      target: t.target,
      ours: judged.ours,
      peer: judged.peer,
      ratio: judged.ratio === undefined ? '—' : times(judged.ratio),
      status,
      detail: [status === 'met' ? judged.checks.map(([, text]) => text).join('; ') : failed.join('; '), judged.detail].filter(Boolean).join('; '),
    };
  });
}
