/**
 * The machine a benchmark run happened on: CPU, cores, memory, Node and OpenSSL versions, the load when it started
 * (the machine may be shared: other work on the same cores slows every absolute figure, which is why the
 * benchmarks compare ratios measured side by side), and the commit measured.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  openssl: string;
  /** 1, 5 and 15-minute load averages at the start of the run. */
  load: [number, number, number];
  commit: string;
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const [one, five, fifteen] = loadavg() as [number, number, number];
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    load: [one, five, fifteen].map((x) => Math.round(x * 100) / 100) as [number, number, number],
    commit: commit(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.os} · Node ${m.node}, OpenSSL ${m.openssl} · load average at start ${m.load.join(' / ')} · commit ${m.commit}`;
}
