/** Reads an operator secret (seal passphrase, HSM PIN) from the environment or a file, never from the config itself. */
import { readFile, stat } from 'node:fs/promises';
import { InvalidInputError } from '../protocols/errors.js';

export async function readOperatorSecret(what: string, source: { env?: string; file?: string }): Promise<string> {
  if (source.env) {
    const value = process.env[source.env];
    if (value) return value;
    if (!source.file) throw new InvalidInputError(`${what}: environment variable ${source.env} is not set`);
  }
  if (source.file) {
    let info;
    try {
      info = await stat(source.file);
    } catch {
      throw new InvalidInputError(`${what}: cannot read ${source.file}`);
    }
    // A secret file others can read is a leak waiting to happen: refuse it rather than warn.
    if ((info.mode & 0o077) !== 0) throw new InvalidInputError(`${what}: ${source.file} must not be readable by group or others (chmod 600)`);
    const value = (await readFile(source.file, 'utf8')).trim();
    if (!value) throw new InvalidInputError(`${what}: ${source.file} is empty`);
    return value;
  }
  throw new InvalidInputError(`${what}: no source configured`);
}
