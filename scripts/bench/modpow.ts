/**
 * Paillier-size arithmetic per modPow backend: `npx tsx scripts/bench/modpow.ts [iterations]`.
 * Prints medians per operation for the OpenSSL and BigInt backends side by side, with their ratio (compare ratios:
 * absolute times drift on shared machines). Keys come from the committed test fixtures so no time goes to primes.
 */
import { randomBelow } from '../../protocols/math/random.js';
import { type ModPowBackend, modPow, setModPowBackend } from '../../protocols/math/modpow.js';
import { RingPedersenSecret } from '../../protocols/math/ring-pedersen.js';
import { fixturePaillierKey } from '../../test/fixtures/primes.js';

const iterations = Number(process.argv[2] ?? 15);
if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`"iterations" expected positive integer, got ${process.argv[2]}`);

const key = fixturePaillierKey(0);
const pk = key.publicKey;
const ringPedersen = RingPedersenSecret.generate(key);
const random = (bits: number) => randomBelow(1n << BigInt(bits));

interface Operation {
  readonly name: string;
  readonly run: () => unknown;
}

const operations: Operation[] = [
  { name: 'x^e mod N², e 2048-bit', run: () => modPow(randomBelow(pk.N2), random(2048), pk.N2) },
  { name: 'x^e mod N², e 2816-bit', run: () => modPow(randomBelow(pk.N2), random(2816), pk.N2) },
  { name: 'x^e mod N̂, e 768-bit', run: () => modPow(randomBelow(pk.N), random(768), pk.N) },
  { name: 'Paillier encrypt (peer key)', run: () => pk.encrypt(random(256)) },
  { name: 'Paillier encrypt (own key, CRT)', run: () => key.encrypt(random(256)) },
  { name: 'Paillier decrypt (CRT)', run: () => key.decrypt(ciphertext) },
  { name: 'ring-Pedersen s^x t^y, 768-bit (peer)', run: () => ringPedersen.params.commit(random(768), random(768)) },
  { name: 'ring-Pedersen s^x t^y, 2816-bit (own, CRT)', run: () => ringPedersen.commit(random(2816), random(2816)) },
];
const ciphertext = pk.encrypt(random(256));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function sample(operation: Operation, backend: ModPowBackend): number {
  setModPowBackend(backend);
  const start = performance.now();
  operation.run();
  return performance.now() - start;
}

/** Alternates the backends sample by sample, so a load spike on a shared machine hits both alike. */
function measure(operation: Operation): { bigint: number; openssl: number } {
  for (let i = 0; i < 3; i++) for (const backend of ['bigint', 'openssl'] as const) sample(operation, backend); // warm-up
  const samples = { bigint: [] as number[], openssl: [] as number[] };
  for (let i = 0; i < iterations; i++) {
    samples.bigint.push(sample(operation, 'bigint'));
    samples.openssl.push(sample(operation, 'openssl'));
  }
  return { bigint: median(samples.bigint), openssl: median(samples.openssl) };
}

const rows = operations.map((operation) => ({ operation: operation.name, ...measure(operation) }));
setModPowBackend('openssl');

const pad = (text: string, width: number) => text.padEnd(width);
const header = ['operation', 'bigint ms', 'openssl ms', 'openssl/bigint', 'speed-up'];
const widths = [44, 11, 11, 15, 9];
console.log(`modPow backends, N = ${pk.N.toString(2).length} bits, median of ${iterations}, Node ${process.version}, OpenSSL ${process.versions.openssl}`);
console.log(header.map((h, i) => pad(h, widths[i]!)).join(' | '));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const { operation, bigint, openssl } of rows) {
  const cells = [operation, bigint.toFixed(2), openssl.toFixed(2), (openssl / bigint).toFixed(3), `${(bigint / openssl).toFixed(1)}x`];
  console.log(cells.map((c, i) => pad(c, widths[i]!)).join(' | '));
}
