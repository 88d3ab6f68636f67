/**
 * CGGMP21 in one process, the figures of the CGGMP21 issue in one command: keygen + aux info (with fixture primes,
 * i.e. a warm prime pool, and with fresh safe primes), presign + sign for n = 3, 5, 7, and modPow per backend.
 * Each part is its own script (they also run alone); this runs them in turn with small iteration counts.
 *
 *   npx tsx scripts/bench/cggmp21.ts
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const parts: [string, string[]][] = [
  ['aux-info.ts', ['3']],
  ['aux-info.ts', ['1', '--primes']],
  ['cggmp21-presign.ts', ['3']],
  ['modpow.ts', []],
];

let failed = 0;
for (const [file, args] of parts) {
  process.stdout.write(`\n== ${file} ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, file), ...args], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
