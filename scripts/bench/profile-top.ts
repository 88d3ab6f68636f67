/**
 * Reads V8 CPU profiles (`node --cpu-prof`, or the cluster benchmark's `--profile DIR`) and prints where the time
 * went: the functions with the most self time, and the inclusive time of the functions that match a pattern:
 * `npx tsx scripts/bench/profile-top.ts FILE_OR_DIR... [--top N] [--match REGEX] [--merge] [--windows FILE --phase NAME] [--exclude REGEX]`.
 * `--merge` adds all the profiles up into one table (e.g. every node of a cluster). `--windows` takes the file the
 * cluster benchmark writes beside its profiles (per phase, the monotonic-clock intervals, in µs, when that phase's
 * operations ran) and counts only the samples taken inside the named phase's intervals, in every process.
 * `--exclude` drops the samples whose stack holds a matching frame (background work overlapping those intervals).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { renderTable } from './table.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  /** Monotonic clock, µs: the same clock as `process.hrtime` in every process of the machine. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const top = Number(option('--top') ?? 25);
const match = option('--match');
const windowsFile = option('--windows');
const phase = option('--phase');
if ((windowsFile === undefined) !== (phase === undefined)) throw new TypeError('"--windows" and "--phase" go together');
const windows = windowsFile ? ((JSON.parse(readFileSync(windowsFile, 'utf8')) as Record<string, [number, number][]>)[phase!] ?? []) : undefined;
if (windows?.length === 0) throw new RangeError(`no intervals for phase "${phase}" in ${windowsFile}`);
const exclude = option('--exclude');
const excluded = exclude ? new RegExp(exclude) : undefined;
const merge = args.includes('--merge');
if (merge) args.splice(args.indexOf('--merge'), 1);
const files = args.flatMap((path) => (statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(path, f)) : [path]));
if (files.length === 0) throw new TypeError('expected .cpuprofile files or folders holding them');

const frameName = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? relative(process.cwd(), url.replace(/^file:\/\//, '')) : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
};

interface Tally {
  total: number;
  idle: number;
  self: Map<string, number>;
  inclusive: Map<string, number>;
}
/** Not work of the program: waiting, V8's own bookkeeping, garbage collection. */
const META = /^\((idle|program|garbage collector)\)$/;
const newTally = (): Tally => ({ total: 0, idle: 0, self: new Map(), inclusive: new Map() });
const pattern = match ? new RegExp(match) : undefined;

function tally(file: string, into: Tally): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): string[] => {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(frameName(byId.get(at)!));
    return frames;
  };
  const selfMs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) return;
    if (excluded && stack(id).some((frame) => excluded.test(frame))) return;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
  });
  into.total += [...selfMs.values()].reduce((a, b) => a + b, 0);
  const { self, inclusive } = into;
  for (const [id, ms] of selfMs) {
    if (META.test(byId.get(id)!.callFrame.functionName)) {
      into.idle += ms;
      continue;
    }
    const name = frameName(byId.get(id)!);
    self.set(name, (self.get(name) ?? 0) + ms);
    if (!pattern) continue;
    // Count each matching frame once per sample, even when it recurses.
    for (const frame of new Set(stack(id))) if (pattern.test(frame)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + ms);
  }
}

function print(title: string, { total, idle, self, inclusive }: Tally): void {
  const busy = total - idle;
  console.log(`\n${title}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (idle, program and GC: ${(idle / 1000).toFixed(1)} s)`);
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => [ms.toFixed(0), `${((100 * ms) / busy).toFixed(1)}%`, name]);
  console.log(renderTable(['self ms', 'of busy', 'function'], rows(self)));
  if (pattern) console.log('\n' + renderTable(['inclusive ms', 'of busy', `function matching /${match}/`], rows(inclusive)));
}

if (merge) {
  const all = newTally();
  for (const file of files) tally(file, all);
  print(`${files.length} profiles merged`, all);
} else {
  for (const file of files) {
    const one = newTally();
    tally(file, one);
    print(basename(file), one);
  }
}
