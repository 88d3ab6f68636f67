/**
 * `luxkms node init`: lays out a node's data directory — identity key, control token, seal material — and
 * writes its `node.json`. Every secret file is created with mode 0600 and never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, type PartyId } from '../protocols/errors.js';
import type { MemberConfig, SealSettings } from './config.js';
import { loadOrCreateIdentity } from './p2p/identity.js';
import { ensureSalt } from './seal-from-config.js';

export interface InitOptions {
  dataDir: string;
  id: PartyId;
  listen: string;
  control: { host: string; port: number };
  gateway?: { host: string; port: number } | null;
  /** Default: the embedded software seal with a generated passphrase file. */
  seal?: SealSettings;
  members?: MemberConfig[];
  roundTimeoutMs?: number;
}

export const CONTROL_TOKEN_FILE = 'control.token';
export const PASSPHRASE_FILE = 'seal.passphrase';
export const CONFIG_FILE = 'node.json';

async function writeSecretOnce(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

export async function initNode(options: InitOptions): Promise<{ peerId: string; configFile: string }> {
  if (!Number.isInteger(options.id) || options.id < 1) throw new InvalidInputError(`"id" expected a positive integer, got ${options.id}`);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const identity = await loadOrCreateIdentity(join(dataDir, 'identity.key'));
  await writeSecretOnce(join(dataDir, CONTROL_TOKEN_FILE), randomBytes(32).toString('hex'));
  let seal = options.seal;
  if (!seal) {
    await writeSecretOnce(join(dataDir, PASSPHRASE_FILE), randomBytes(32).toString('base64url'));
    seal = { provider: 'software', passphraseFile: join(dataDir, PASSPHRASE_FILE) };
  }
  if (seal.provider === 'software') await ensureSalt(dataDir);
  const members = options.members ?? [{ id: options.id, peerId: identity.peerId, multiaddrs: [options.listen] }];
  const config = {
    id: options.id,
    dataDir,
    listen: options.listen,
    control: options.control,
    gateway: options.gateway ?? null,
    seal,
    members,
    roundTimeoutMs: options.roundTimeoutMs ?? 30_000,
  };
  const configFile = join(dataDir, CONFIG_FILE);
  await writeFile(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return { peerId: identity.peerId, configFile };
}
