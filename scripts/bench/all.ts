/**
 * `npm run bench`: runs every benchmark of the suite, each in its own process and bounded in time (the whole
 * suite within 10 minutes), then prints one table of PERFORMANCE.md's targets with the peer or limit measured in
 * the same run, the scaling tables, writes the same as JSON to scripts/bench/results/latest.json and appends a
 * dated section to BENCHMARKS.md.
 *
 * Options: `--only a,b` (benchmark names below), `--no-record` (print only).
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, machineInfo } from './machine.js';
import { recordRun, TARGET_HEADER, targetCells, type RunRecord } from './record.js';
import type { BenchReport } from './report.js';
import { detailTables } from './tables.js';
import { renderTable } from './table.js';
import { judgeTargets, type Results } from './targets.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
/** The suite must end within 10 minutes; this leaves room for start-up and the summary. */
const SUITE_SECONDS = 560;
/** After its budget a benchmark gets this long to finish its last sample, then SIGTERM (it prints what it has). */
const GRACE_SECONDS = 45;
const KILL_AFTER_TERM_SECONDS = 20;

interface Plan {
  name: string;
  file: string;
  /** Seconds the benchmark plans its sampling in. */
  budget: number;
}

// The cluster first: it has the most to do and the most variance; the in-process ones shrink to what is left.
const PLANS: Plan[] = [
  { name: 'cluster', file: 'cluster.ts', budget: 300 },
  { name: 'dkls23', file: 'peers/dkls.ts', budget: 35 },
  { name: 'frost', file: 'frost.ts', budget: 25 },
  { name: 'frost-scaling', file: 'frost-scaling.ts', budget: 25 },
  { name: 'cggmp21-scaling', file: 'cggmp21-scaling.ts', budget: 70 },
  { name: 'gateway-scaling', file: 'gateway-scaling.ts', budget: 40 },
];

function parseArgs(argv: string[]): { only?: Set<string>; record: boolean } {
  const out: { only?: Set<string>; record: boolean } = { record: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-record') out.record = false;
    else if (argv[i] === '--only') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const n of names) if (!PLANS.some((p) => p.name === n)) throw new RangeError(`"--only" expected names among ${PLANS.map((p) => p.name).join(', ')}, got "${n}"`);
      out.only = new Set(names);
    } else throw new RangeError(`unknown option "${argv[i]}" (expected --only a,b or --no-record)`);
  }
  return out;
}

/** Runs one benchmark with `--json`; resolves with its report, or rejects saying why there is none. */
function runBench(plan: Plan, budget: number): Promise<BenchReport> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so a benchmark that must be killed takes the node processes it started with it.
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, plan.file), '--json', '--budget', String(budget)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const term = setTimeout(() => {
      process.stderr.write(`[bench] ${plan.name} over its time limit: stopping it\n`);
      child.kill('SIGTERM');
    }, (budget + GRACE_SECONDS) * 1000);
    const kill = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, (budget + GRACE_SECONDS + KILL_AFTER_TERM_SECONDS) * 1000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) {
        try {
          resolvePromise(JSON.parse(line) as BenchReport);
          return;
        } catch {
          // fall through: not a report
        }
      }
      reject(new Error(`exited with ${signal ?? code} and printed no result`));
    });
  });
}

const args = parseArgs(process.argv.slice(2));
const machine = machineInfo();
console.log(`Lux KMS benchmarks · ${describeMachine(machine)}`);
const started = performance.now();
const plans = PLANS.filter((p) => !args.only || args.only.has(p.name));
const results: Results = {};
const failures: RunRecord['failures'] = [];
for (const [index, plan] of plans.entries()) {
  const left = SUITE_SECONDS - (performance.now() - started) / 1000;
  // Keep at least a third of each later benchmark's budget (they adapt to less), and never less than 10 s.
  const reserved = plans.slice(index + 1).reduce((s, p) => s + p.budget / 3 + 5, 0);
  const budget = Math.max(10, Math.min(plan.budget, left - reserved - GRACE_SECONDS / 3));
  process.stderr.write(`[bench] ${plan.name}: budget ${budget.toFixed(0)} s\n`);
  try {
    results[plan.name] = await runBench(plan, budget);
  } catch (e) {
    failures.push({ bench: plan.name, reason: (e as Error).message });
    process.stderr.write(`[bench] ${plan.name} failed: ${(e as Error).message}\n`);
  }
}

const run: RunRecord = {
  machine,
  seconds: (performance.now() - started) / 1000,
  targets: judgeTargets(results),
  tables: detailTables(results),
  benches: Object.values(results).filter((r): r is BenchReport => r !== undefined),
  failures,
};

console.log(`\nTargets (PERFORMANCE.md), suite ${run.seconds.toFixed(0)} s\n`);
console.log(renderTable(TARGET_HEADER, run.targets.map(targetCells)));
console.log('');
for (const t of run.targets) console.log(`${t.status.padEnd(12)} ${t.measure}: ${t.detail}`);
for (const table of run.tables) console.log(`\n${table.title}\n${renderTable(table.header, table.rows)}`);
for (const b of run.benches) if (b.notes.length) console.log(`\n${b.bench} notes:\n${b.notes.map((n) => `  - ${n}`).join('\n')}`);
for (const f of failures) console.log(`\n${f.bench} FAILED: ${f.reason}`);
if (args.record) {
  const json = join(HERE, 'results', 'latest.json');
  await recordRun(run, { json, markdown: join(ROOT, 'BENCHMARKS.md') });
  console.log(`\nwritten: ${json.slice(ROOT.length + 1)}, BENCHMARKS.md (appended)`);
}
console.log('\n' + JSON.stringify({ targets: run.targets.map(({ measure, status, ours, ratio }) => ({ measure, status, ours, ratio })) }));
