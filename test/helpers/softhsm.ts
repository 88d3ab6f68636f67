import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's `softhsm2` package installs the PKCS#11 module; override with SOFTHSM2_LIBRARY. */
const DEFAULT_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  library: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  /** The softhsm2.conf written for this token; already exported as SOFTHSM2_CONF. */
  conf: string;
  cleanup(): Promise<void>;
}

/**
 * Creates a throwaway SoftHSM2 token in a temporary directory.
 *
 * SoftHSM reads SOFTHSM2_CONF when the module is initialised (C_Initialize), and the module lives in this
 * process, so the variable is set on `process.env` here: call this before the first seal is opened. Vitest runs
 * each test file in its own fork, so files do not see each other's tokens. A module that is already initialised
 * keeps the configuration it started with, so create every token a file needs in one call (`labels`).
 */
export async function createSoftHsmToken(options: { labels?: readonly string[]; pin?: string; soPin?: string } = {}): Promise<SoftHsmToken & { tokenLabels: string[] }> {
  const library = process.env.SOFTHSM2_LIBRARY ?? DEFAULT_LIBRARY;
  if (!existsSync(library)) throw new Error(`SoftHSM2 module not found at ${library} (install the softhsm2 package or set SOFTHSM2_LIBRARY)`);
  const pin = options.pin ?? '1234';
  const soPin = options.soPin ?? '5678';
  const labels = options.labels ?? [`lux-test-${process.pid}-${Date.now().toString(36)}`];

  const dir = await mkdtemp(join(tmpdir(), 'lux-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  await mkdir(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);

  const env = { ...process.env, SOFTHSM2_CONF: conf };
  for (const label of labels) {
    await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], { env });
  }
  process.env.SOFTHSM2_CONF = conf;

  return {
    library,
    tokenLabel: labels[0]!,
    tokenLabels: [...labels],
    pin,
    soPin,
    conf,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
