/**
 * A party node's configuration file (`node.json`), validated field by field with messages that name the
 * field and the expectation. Secrets (seal passphrase, HSM PIN) are never in the file itself: they come from
 * an environment variable or a file with restricted permissions.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InvalidInputError, type PartyId } from '../protocols/errors.js';
import { HSM_PROVIDERS } from './hsm/providers.js';

export interface MemberConfig {
  id: PartyId;
  peerId: string;
  multiaddrs: string[];
}

export type SealSettings =
  | { provider: 'software'; passphraseEnv?: string; passphraseFile?: string }
  | { provider: keyof typeof HSM_PROVIDERS; library?: string; tokenLabel: string; keyLabel: string; pinEnv?: string; pinFile?: string };

/**
 * Where the gateway listens, and the gateway's own option sections, passed through as written: the gateway checks
 * them when it starts (a bad value stops the node's start with the gateway's message).
 */
export interface GatewaySettings {
  host: string;
  port: number;
  /** e.g. `{ "allowPrivateTargets": true }` for a testnet whose webhook receivers run on 127.0.0.1. */
  webhooks?: Record<string, unknown>;
  /** e.g. `{ "publicBaseUrl": "https://kms.example.com" }`, named in certificates' CRL Distribution Points. */
  pki?: Record<string, unknown>;
}

export interface NodeConfig {
  id: PartyId;
  /** Absolute path of the node's data directory (identity, LevelDB, seal salt). */
  dataDir: string;
  listen: string;
  control: { host: string; port: number };
  gateway: GatewaySettings | null;
  seal: SealSettings;
  members: MemberConfig[];
  roundTimeoutMs: number;
  presignPoolTarget: number;
  /** Members whose signing approvals this node accepts (default: every member). */
  signingApprovers: PartyId[];
  /** The largest amount (decimal, whole units) this node signs for, whatever an approver says; absent: no own limit. */
  maxSignAmount?: string;
}

type Raw = Record<string, unknown>;

function object(value: unknown, name: string): Raw {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`"${name}" expected an object`);
  return value as Raw;
}

function string(raw: Raw, key: string, name = key, optional = false): string | undefined {
  const v = raw[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw new InvalidInputError(`"${name}" expected a non-empty string, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function integer(raw: Raw, key: string, min: number, max: number, name = key, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInputError(`"${name}" expected integer ${min}..${max}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
  return v;
}

function endpoint(value: unknown, name: string): { host: string; port: number } {
  const raw = object(value, name);
  return { host: string(raw, 'host', `${name}.host`)!, port: integer(raw, 'port', 0, 65535, `${name}.port`) };
}

function gateway(value: unknown): GatewaySettings {
  const raw = object(value, 'gateway');
  const sections: Partial<Pick<GatewaySettings, 'webhooks' | 'pki'>> = {};
  for (const key of ['webhooks', 'pki'] as const) if (raw[key] !== undefined) sections[key] = object(raw[key], `gateway.${key}`);
  const known = new Set(['host', 'port', 'webhooks', 'pki']);
  const unknown = Object.keys(raw).find((k) => !known.has(k));
  if (unknown) throw new InvalidInputError(`"gateway.${unknown}" is not a gateway setting (expected host, port, webhooks, pki)`);
  return { ...endpoint(raw, 'gateway'), ...sections };
}

function seal(value: unknown): SealSettings {
  const raw = object(value, 'seal');
  const provider = string(raw, 'provider', 'seal.provider')!;
  if (provider === 'software') {
    const passphraseEnv = string(raw, 'passphraseEnv', 'seal.passphraseEnv', true);
    const passphraseFile = string(raw, 'passphraseFile', 'seal.passphraseFile', true);
    if (!passphraseEnv && !passphraseFile) throw new InvalidInputError('"seal" with provider "software" needs "passphraseEnv" or "passphraseFile"');
    return { provider, ...(passphraseEnv ? { passphraseEnv } : {}), ...(passphraseFile ? { passphraseFile } : {}) };
  }
  if (!(provider in HSM_PROVIDERS)) {
    throw new InvalidInputError(`"seal.provider" expected one of software, ${Object.keys(HSM_PROVIDERS).join(', ')}, got "${provider}"`);
  }
  const pinEnv = string(raw, 'pinEnv', 'seal.pinEnv', true);
  const pinFile = string(raw, 'pinFile', 'seal.pinFile', true);
  if (!pinEnv && !pinFile) throw new InvalidInputError('"seal" with an HSM provider needs "pinEnv" or "pinFile"');
  const library = string(raw, 'library', 'seal.library', true);
  return {
    provider: provider as keyof typeof HSM_PROVIDERS,
    ...(library ? { library } : {}),
    tokenLabel: string(raw, 'tokenLabel', 'seal.tokenLabel')!,
    keyLabel: string(raw, 'keyLabel', 'seal.keyLabel')!,
    ...(pinEnv ? { pinEnv } : {}),
    ...(pinFile ? { pinFile } : {}),
  };
}

function members(value: unknown, self: PartyId): MemberConfig[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidInputError('"members" expected a non-empty list');
  const seenIds = new Set<number>();
  const seenPeers = new Set<string>();
  const out = value.map((m, i) => {
    const raw = object(m, `members[${i}]`);
    const id = integer(raw, 'id', 1, 1_000_000, `members[${i}].id`);
    const peerId = string(raw, 'peerId', `members[${i}].peerId`)!;
    const addrs = raw.multiaddrs ?? [];
    if (!Array.isArray(addrs) || addrs.some((a) => typeof a !== 'string' || !a.startsWith('/'))) {
      throw new InvalidInputError(`"members[${i}].multiaddrs" expected a list of multiaddr strings`);
    }
    if (seenIds.has(id)) throw new InvalidInputError(`"members" has duplicate id ${id}`);
    if (seenPeers.has(peerId)) throw new InvalidInputError(`"members" has duplicate peerId ${peerId}`);
    seenIds.add(id);
    seenPeers.add(peerId);
    return { id, peerId, multiaddrs: addrs as string[] };
  });
  if (!seenIds.has(self)) throw new InvalidInputError(`"members" must include this node (id ${self})`);
  return out.sort((a, b) => a.id - b.id);
}

export function parseNodeConfig(value: unknown, baseDir: string): NodeConfig {
  const raw = object(value, 'node config');
  const id = integer(raw, 'id', 1, 1_000_000);
  const dataDir = string(raw, 'dataDir')!;
  const memberList = members(raw.members, id);
  return {
    id,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(baseDir, dataDir),
    listen: string(raw, 'listen')!,
    control: endpoint(raw.control, 'control'),
    gateway: raw.gateway === undefined || raw.gateway === null ? null : gateway(raw.gateway),
    seal: seal(raw.seal),
    members: memberList,
    roundTimeoutMs: integer(raw, 'roundTimeoutMs', 100, 600_000, 'roundTimeoutMs', 30_000),
    presignPoolTarget: integer(raw, 'presignPoolTarget', 0, 1_000, 'presignPoolTarget', 4),
    signingApprovers: approvers(raw.signingApprovers, memberList),
    ...(raw.maxSignAmount === undefined ? {} : { maxSignAmount: decimal(raw.maxSignAmount, 'maxSignAmount') }),
  };
}

function approvers(value: unknown, memberList: MemberConfig[]): PartyId[] {
  const ids = memberList.map((m) => m.id);
  if (value === undefined) return ids;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => !ids.includes(v as number))) {
    throw new InvalidInputError(`"signingApprovers" expected a non-empty list of member ids (${ids.join(', ')})`);
  }
  return value as PartyId[];
}

function decimal(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\d{1,30}(\.\d{1,18})?$/.test(value)) throw new InvalidInputError(`"${name}" expected a decimal string such as "1000000.00"`);
  return value;
}

export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidInputError(`cannot read node config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`node config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseNodeConfig(json, dirname(resolve(file)));
}
