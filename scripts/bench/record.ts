/**
 * Where a run's results go besides the terminal: a JSON file for tracking (kept out of git) and a dated section
 * appended to BENCHMARKS.md, created with its introduction on the first run.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeMachine, type MachineInfo } from './machine.js';
import type { BenchReport } from './report.js';
import type { Table } from './tables.js';
import { renderMarkdown } from './table.js';
import type { TargetRow } from './targets.js';

export interface RunRecord {
  machine: MachineInfo;
  seconds: number;
  targets: TargetRow[];
  tables: Table[];
  benches: BenchReport[];
  /** Benchmarks that failed or printed no result, with why. */
  failures: { bench: string; reason: string }[];
}

export const TARGET_HEADER = ['measure', 'ours', 'peer / limit, same run', 'ratio', 'target', 'status'];
export const targetCells = (t: TargetRow): string[] => [t.measure, t.ours, t.peer, t.ratio, t.target, t.status];

const INTRO = `# Benchmarks

\`npm run bench\` runs every benchmark under \`scripts/bench/\`, each bounded in time (the whole suite ends within
10 minutes), prints one table of the targets of PERFORMANCE.md with the peer or limit measured in the same run,
writes the same as JSON to \`scripts/bench/results/latest.json\`, and appends a dated section here.
\`npm run bench -- --only cluster,dkls23\` runs some of them; \`--no-record\` leaves this file and the JSON alone.

What a row means:

- **ours**: the median over repeated runs after a warm-up (p99 beside it where latency matters; one run where the
  operation takes seconds, as the count in brackets says). Cluster rows run on a testnet of node processes over
  libp2p on 127.0.0.1 (five processes; the 2-of-3 keys live on three of them), through the gateway where the row
  says so.
- **peer / limit, same run**: what the figure is compared with, measured in the same run on the same machine:
  single-party \`@noble/curves\` signing, noble's FROST with every party in one process, DKLs23
  (\`@silencelaboratories/dkls-wasm-ll-node\`, installed by the benchmark into a scratch folder outside the project:
  its licence keeps it out of our dependencies), a bare Fastify route, or a limit computed from CPU time.
- **ratio**: ours / peer. On a shared machine absolute times drift with the neighbours' load (the load average is
  in each section's header): ratios measured side by side drift much less.
- **status**: \`met\` only when every part of the target holds for the figures of that run.

Beside wall time, the cluster benchmark reads each node process's CPU time from the kernel: "CPU of all nodes" is
the work an operation costs whatever the load; "busiest node" is its critical path when every node has a core of its
own (this machine has two cores for up to five node processes).

Scaling runs (one process, every party in turn): CGGMP21 presign and FROST sign for 2-of-3 and n-of-n with
n = 3, 5, 7, 9 signers; the gateway at 1, 16, 64 and 256 concurrent clients.

To find a hot spot: \`npx tsx scripts/bench/cluster.ts --profile DIR\` writes one CPU profile per node process and
\`DIR/windows.json\`; \`npx tsx scripts/bench/profile-top.ts DIR --merge --windows DIR/windows.json --phase pooled-sign\`
lists the functions that took the time of one phase (\`keygen\`, \`frost-sign\`, \`pooled-sign\`, \`no-pool-sign\`,
\`reshare\`) across all nodes.
`;

function section(run: RunRecord): string {
  const lines = [`## Run of ${run.machine.date.slice(0, 16).replace('T', ' ')} UTC`, '', describeMachine(run.machine), '', `Suite: ${run.seconds.toFixed(0)} s.`, ''];
  lines.push(renderMarkdown(TARGET_HEADER, run.targets.map(targetCells)), '');
  for (const t of run.targets) lines.push(`- ${t.measure}: **${t.status}** (${t.detail})`);
  for (const table of run.tables) lines.push('', `**${table.title}**`, '', renderMarkdown(table.header, table.rows));
  lines.push('', 'Benchmarks (load average at start → end):', '');
  for (const b of run.benches) lines.push(`- ${b.bench}: ${b.seconds.toFixed(0)} s, load ${b.load.start.toFixed(1)} → ${b.load.end.toFixed(1)}${b.notes.length ? `; ${b.notes.join('; ')}` : ''}`);
  for (const f of run.failures) lines.push(`- ${f.bench}: FAILED (${f.reason})`);
  return lines.join('\n') + '\n';
}

export async function recordRun(run: RunRecord, files: { json: string; markdown: string }): Promise<void> {
  await mkdir(dirname(files.json), { recursive: true });
  await writeFile(files.json, JSON.stringify(run, null, 2) + '\n');
  if (!existsSync(files.markdown)) await writeFile(files.markdown, INTRO);
  await appendFile(files.markdown, '\n' + section(run));
}
