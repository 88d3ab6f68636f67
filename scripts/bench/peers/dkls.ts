/**
 * Peer: DKLs23 threshold ECDSA (Silence Laboratories' Rust→WASM build), 2-of-3 keygen and signing with every party
 * in this one process: `npx tsx scripts/bench/peers/dkls.ts [--json] [--budget SECONDS]`.
 *
 * Its licence keeps it out of the project's dependencies, so it is installed here, at run time, into a scratch
 * folder under the system temp directory (reused by later runs) and loaded from there. Without network or registry
 * access the benchmark reports the peer as unavailable instead of failing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { benchOptions, Recorder } from '../report.js';
import { DKLS } from '../figures.js';
import { median, quantile, sampleWithin } from '../stats.js';

const PACKAGE = '@silencelaboratories/dkls-wasm-ll-node';
const VERSION = '1.1.2';
const INSTALL_TIMEOUT_MS = 120_000;

/** The slice of the package's API used here (from its type declarations). */
interface Message {
  from_id: number;
  to_id?: number;
  clone(): Message;
}
interface Keyshare {
  toBytes(): Uint8Array;
  free(): void;
  readonly publicKey: Uint8Array;
}
interface Dkls {
  KeygenSession: new (participants: number, threshold: number, partyId: number) => {
    createFirstMessage(): Message;
    calculateChainCodeCommitment(): Uint8Array;
    handleMessages(msgs: Message[], commitments?: Uint8Array[]): Message[];
    keyshare(): Keyshare;
  };
  Keyshare: { fromBytes(bytes: Uint8Array): Keyshare };
  SignSession: new (share: Keyshare, chainPath: string) => {
    createFirstMessage(): Message;
    handleMessages(msgs: Message[]): Message[];
    lastMessage(hash: Uint8Array): Message;
    combine(msgs: Message[]): [Uint8Array, Uint8Array];
  };
}

/** Installs the pinned version into a scratch folder outside the project (once) and loads it. */
async function loadDkls(recorder: Recorder): Promise<Dkls> {
  const scratch = join(tmpdir(), 'luxkms-bench-peers', `dkls-${VERSION}`);
  const manifest = join(scratch, 'node_modules', PACKAGE, 'package.json');
  const installed = existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === VERSION;
  if (!installed) {
    await mkdir(scratch, { recursive: true });
    recorder.progress(`installing ${PACKAGE}@${VERSION} into a scratch folder`);
    await promisify(execFile)('npm', ['install', '--prefix', scratch, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${PACKAGE}@${VERSION}`], {
      timeout: INSTALL_TIMEOUT_MS,
      cwd: scratch,
    });
  }
  return createRequire(join(scratch, 'index.js'))(PACKAGE) as Dkls;
}

/** Messages from everyone but `party` (broadcast), or those addressed to it (peer-to-peer). */
const broadcastTo = (msgs: Message[], party: number) => msgs.filter((m) => m.from_id !== party).map((m) => m.clone());
const directTo = (msgs: Message[], party: number) => msgs.filter((m) => m.to_id === party).map((m) => m.clone());

function keygen(dkls: Dkls): Uint8Array[] {
  const parties = [0, 1, 2].map((id) => new dkls.KeygenSession(3, 2, id));
  const msg1 = parties.map((p) => p.createFirstMessage());
  const msg2 = parties.flatMap((p, id) => p.handleMessages(broadcastTo(msg1, id)));
  const commitments = parties.map((p) => p.calculateChainCodeCommitment());
  const msg3 = parties.flatMap((p, id) => p.handleMessages(directTo(msg2, id)));
  const msg4 = parties.flatMap((p, id) => p.handleMessages(directTo(msg3, id), commitments));
  parties.forEach((p, id) => p.handleMessages(broadcastTo(msg4, id)));
  return parties.map((p) => {
    const share = p.keyshare();
    const bytes = share.toBytes();
    share.free();
    return bytes;
  });
}

/** Two signers (parties 0 and 1); returns the presign and online times and the signature. */
function sign(dkls: Dkls, shares: Uint8Array[], hash: Uint8Array): { presignMs: number; onlineMs: number; signature: Uint8Array } {
  const t0 = performance.now();
  const parties = shares.slice(0, 2).map((bytes) => new dkls.SignSession(dkls.Keyshare.fromBytes(bytes), 'm'));
  const msg1 = parties.map((p) => p.createFirstMessage());
  const msg2 = parties.flatMap((p, id) => p.handleMessages(broadcastTo(msg1, id)));
  const msg3 = parties.flatMap((p, id) => p.handleMessages(directTo(msg2, id)));
  parties.forEach((p, id) => p.handleMessages(directTo(msg3, id)));
  const t1 = performance.now();
  const last = parties.map((p) => p.lastMessage(hash));
  const signatures = parties.map((p, id) => p.combine(broadcastTo(last, id)));
  const t2 = performance.now();
  const [r, s] = signatures[0]!;
  return { presignMs: t1 - t0, onlineMs: t2 - t1, signature: Uint8Array.from([...r, ...s]) };
}

const options = benchOptions(60);
const recorder = new Recorder('dkls23', options);
let dkls: Dkls | undefined;
try {
  dkls = await loadDkls(recorder);
} catch (e) {
  recorder.note(`peer unavailable: ${(e as Error).message.split('\n')[0]}`);
}
if (dkls) {
  const loaded = dkls;
  recorder.progress('keygen 2-of-3');
  let shares: Uint8Array[] = [];
  const keygenMs = await sampleWithin({ warmup: 1, min: 2, max: 7, budgetMs: options.budgetMs * 0.5 }, () => {
    const t0 = performance.now();
    shares = keygen(loaded);
    return performance.now() - t0;
  });
  recorder.figure(DKLS.keygen, { value: median(keygenMs), unit: 'ms', n: keygenMs.length });
  const publicKey = loaded.Keyshare.fromBytes(shares[0]!).publicKey;
  const hash = new Uint8Array(32).fill(0x5a);
  recorder.progress('sign 2-of-3');
  const runs: ReturnType<typeof sign>[] = [];
  await sampleWithin({ warmup: 2, min: 5, max: 60, budgetMs: Math.max(1_000, recorder.remainingMs() - 2_000) }, () => {
    const run = sign(loaded, shares, hash);
    runs.push(run);
    return run.presignMs + run.onlineMs;
  });
  // A peer that signs wrongly would make every ratio meaningless: check one signature with noble.
  if (!secp256k1.verify(runs[0]!.signature, hash, publicKey, { prehash: false, lowS: false })) throw new Error('DKLs23 produced a signature that does not verify');
  const total = runs.map((r) => r.presignMs + r.onlineMs);
  recorder.figure(DKLS.sign, { value: median(total), unit: 'ms', p99: quantile(total, 0.99), n: runs.length });
  recorder.figure(DKLS.presign, { value: median(runs.map((r) => r.presignMs)), unit: 'ms', n: runs.length });
  recorder.figure(DKLS.online, { value: median(runs.map((r) => r.onlineMs)), unit: 'ms', n: runs.length });
}
recorder.print();
