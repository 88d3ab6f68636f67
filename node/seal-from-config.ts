/** Opens the node's seal from its configuration: the embedded software seal or an HSM through PKCS#11. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../protocols/errors.js';
import { openSeal } from './hsm/open-seal.js';
import type { Seal } from './hsm/seal.js';
import { generateSalt, SALT_BYTES } from './hsm/software-seal.js';
import type { NodeConfig } from './config.js';
import { readOperatorSecret } from './secrets.js';

export const SALT_FILE = 'seal.salt';

export async function ensureSalt(dataDir: string): Promise<Uint8Array> {
  const file = join(dataDir, SALT_FILE);
  try {
    const salt = new Uint8Array(await readFile(file));
    if (salt.length !== SALT_BYTES) throw new InvalidInputError(`${file} expected ${SALT_BYTES} bytes, got ${salt.length}`);
    return salt;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const salt = generateSalt();
    await writeFile(file, salt, { mode: 0o600, flag: 'wx' });
    return salt;
  }
}

export async function openNodeSeal(config: NodeConfig): Promise<Seal> {
  const s = config.seal;
  if (s.provider === 'software') {
    const passphrase = await readOperatorSecret('seal passphrase', { env: s.passphraseEnv, file: s.passphraseFile });
    return openSeal({ provider: 'software', passphrase, salt: await ensureSalt(config.dataDir) });
  }
  const pin = await readOperatorSecret('HSM PIN', { env: s.pinEnv, file: s.pinFile });
  return openSeal({ provider: s.provider, ...(s.library ? { library: s.library } : {}), tokenLabel: s.tokenLabel, keyLabel: s.keyLabel, pin });
}
