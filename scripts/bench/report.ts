/**
 * What every benchmark run by `npm run bench` hands back: named figures (value, unit, optional p99 and sample
 * count) plus notes, printed as one JSON line with `--json` for the orchestrator, or as a small table otherwise.
 * `--budget SECONDS` bounds the run; each benchmark spends it as it sees fit and stops sampling when it is gone.
 */
import { loadavg } from 'node:os';
import { renderTable } from './table.js';

export interface Figure {
  value: number;
  unit: string;
  p99?: number;
  /** Samples behind the value (a median unless the label says otherwise). */
  n?: number;
  note?: string;
}

export interface BenchReport {
  bench: string;
  /** One-minute load average when the benchmark started and when it ended. */
  load: { start: number; end: number };
  seconds: number;
  figures: Record<string, Figure>;
  notes: string[];
}

export interface BenchOptions {
  json: boolean;
  budgetMs: number;
  /** Arguments that are neither `--json` nor `--budget N`. */
  rest: string[];
}

export function benchOptions(defaultBudgetSeconds: number, argv: string[] = process.argv.slice(2)): BenchOptions {
  const rest: string[] = [];
  let json = false;
  let budget = defaultBudgetSeconds;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--budget') budget = Number(argv[++i]);
    else rest.push(argv[i]!);
  }
  if (!Number.isFinite(budget) || budget <= 0 || budget > 3600) throw new RangeError(`"--budget" expected seconds in (0, 3600], got ${budget}`);
  return { json, budgetMs: budget * 1000, rest };
}

/** Collects figures and notes while a benchmark runs, then prints them. */
export class Recorder {
  private readonly started = performance.now();
  private readonly loadStart = loadavg()[0]!;
  readonly figures: Record<string, Figure> = {};
  readonly notes: string[] = [];

  constructor(
    readonly bench: string,
    private readonly options: BenchOptions,
  ) {}

  /**
   * When the orchestrator's time limit stops this benchmark (SIGTERM), print what was measured so far, run
   * `cleanup` (e.g. stop child processes) and exit, instead of losing every figure.
   */
  printOnTerminate(cleanup: () => Promise<void> = async () => undefined): void {
    process.once('SIGTERM', () => {
      this.note('stopped early by the time limit: figures after this point are missing');
      this.print();
      void cleanup().finally(() => process.exit(0));
    });
  }

  /** Milliseconds of the budget left. */
  remainingMs(): number {
    return this.options.budgetMs - (performance.now() - this.started);
  }

  figure(name: string, figure: Figure): void {
    this.figures[name] = figure;
    if (!this.options.json) process.stderr.write(`  ${name}: ${format(figure)}\n`);
  }

  note(text: string): void {
    this.notes.push(text);
    if (!this.options.json) process.stderr.write(`  note: ${text}\n`);
  }

  /** Progress for whoever watches the run; on stderr so stdout stays one JSON line. */
  progress(text: string): void {
    process.stderr.write(`[${this.bench}] ${text}\n`);
  }

  report(): BenchReport {
    return { bench: this.bench, load: { start: this.loadStart, end: loadavg()[0]! }, seconds: (performance.now() - this.started) / 1000, figures: this.figures, notes: this.notes };
  }

  print(): void {
    const report = this.report();
    if (this.options.json) {
      console.log(JSON.stringify(report));
      return;
    }
    console.log(`${report.bench}: ${report.seconds.toFixed(0)} s, load ${report.load.start.toFixed(1)} → ${report.load.end.toFixed(1)}`);
    console.log(renderTable(['figure', 'value', 'p99', 'n'], Object.entries(report.figures).map(([name, f]) => [name, `${round(f.value)} ${f.unit}`, f.p99 === undefined ? '' : round(f.p99), f.n === undefined ? '' : String(f.n)])));
    for (const note of report.notes) console.log(`note: ${note}`);
  }
}

/** Three significant figures, without exponent notation. */
export function round(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(decimals);
}

export function format(f: Figure): string {
  return `${round(f.value)} ${f.unit}${f.p99 === undefined ? '' : ` (p99 ${round(f.p99)})`}${f.n === undefined ? '' : ` [n=${f.n}]`}`;
}
