/**
 * The keys engine: typed keys with fixed usages, versions, states, rotation and the cryptographic operations,
 * free of HTTP. Material lives where the key's protection says (see the backends); everything stored here goes
 * through the storage barrier. Mutations of one key run one at a time; reads and operations do not wait.
 *
 * Versions: the newest (`active`) signs and encrypts; a replaced version is `retired` and still verifies and
 * decrypts until its `expiresAt`; the scheduler then erases its material (`destroyed`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, GatewayError, invalid, notFound } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import { parseDuration } from '../certificates/duration.js';
import type { WebhookService } from '../webhooks/service.js';
import { publicFields, type KeyBackend } from './backend.js';
import { associatedData, formatCiphertext, parseCiphertext, type CipherPurpose } from './ciphertext.js';
import { isLowS, normalise } from './ecdsa.js';
import { HsmBackend } from './hsm-backend.js';
import type { KeyStoreRegistry } from './key-stores.js';
import { familyOf, isEcdsa, RSA_BITS, resolveAlgorithm, resolveProtection, resolveUsage, type KeyType, type KeyUsage, type Protection, type SigningAlgorithm } from './key-types.js';
import { materialPath, META_PREFIX, metaPath, storedPath, storedPrefix, type KeyRecord, type KeyVersion, type Material, type MessageType, type SignResult, type RotationStrategy, type StoredCiphertext } from './records.js';
import { SoftwareBackend } from './software-backend.js';
import { resolveCommittee, ThresholdBackend, thresholdUnavailable, type ThresholdSigner } from './threshold.js';
import { verifyWithVersion } from './verify.js';


export interface KeysOptions {
  /** Shortest accepted rotation interval; guards against a typo that would mint versions every second. */
  minRotationIntervalMs: number;
  /** Shortest accepted waiting period before a scheduled deletion. */
  minDeletionWaitMs: number;
  now: () => number;
}

export const DEFAULT_KEYS_OPTIONS: KeysOptions = { minRotationIntervalMs: 3_600_000, minDeletionWaitMs: 86_400_000, now: Date.now };
const DEFAULT_VERSION_EXPIRY = '30d';
const DEFAULT_DELETION_WAIT = '30d';
const MAX_DELETION_WAIT_S = 365 * 86_400;
const AES_MAX_PLAINTEXT = 32 * 1024;
// RSA-OAEP with SHA-256 carries at most k − 2·32 − 2 bytes.
const OAEP_OVERHEAD = 66;

export interface CreateKeyInput {
  environment: string;
  keyId?: string;
  type: KeyType;
  usage?: KeyUsage[];
  protection?: Protection;
  keyStore?: { provider: string; identifier?: string };
  threshold?: { threshold?: number; parties?: number[] };
  rotation?: string;
  versionExpiry?: string;
  description?: string;
  tags?: string[];
}

export interface KeyRef {
  environment: string;
  keyId: string;
}

export interface SignInput extends KeyRef {
  message: string;
  messageType?: MessageType;
  algorithm?: SigningAlgorithm;
}

export interface VerifyInput extends SignInput {
  signature: string;
  keyVersion?: number;
}


export interface RotationInput extends KeyRef {
  interval: string;
  strategy?: RotationStrategy;
  notifyWebhook?: string;
  versionExpiry?: string;
}

type ChangeListener = (record: KeyRecord) => void;
/** Called before a scheduled action takes effect; if it throws (the audit log is down), the action is not taken. */
export type BeforeScheduledAction = (action: 'rotate' | 'expire' | 'delete', record: KeyRecord) => Promise<void>;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const iso = (ms: number) => new Date(ms).toISOString();

function decodeBase64(value: string, field: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw invalid('invalid_encoding', `"${field}" expected standard base64`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export class KeysService {
  readonly #locks = new KeyedMutex();
  readonly #backends: Record<Protection, KeyBackend>;
  readonly #options: KeysOptions;
  #onChange: ChangeListener = () => undefined;

  constructor(
    private readonly store: EncryptedStore,
    private readonly webhooks: WebhookService,
    private readonly keyStores: KeyStoreRegistry,
    private readonly cluster: ThresholdSigner | undefined,
    options: Partial<KeysOptions> = {},
  ) {
    this.#options = { ...DEFAULT_KEYS_OPTIONS, ...options };
    this.#backends = { software: new SoftwareBackend(), hsm: new HsmBackend(keyStores), threshold: new ThresholdBackend(cluster) };
  }

  /** The scheduler's hook: told about every record written, so it can re-arm for the next due time. */
  onChange(listener: ChangeListener): void {
    this.#onChange = listener;
  }

  now(): number {
    return this.#options.now();
  }

  async create(input: CreateKeyInput): Promise<KeyRecord> {
    const usage = resolveUsage(input.type, input.usage);
    const protection = resolveProtection(input.type, input.protection ?? (input.keyStore ? 'hsm' : undefined));
    if (input.keyStore && protection !== 'hsm') throw invalid('protection_conflict', `"keyStore" names an HSM key store, but "protection" is "${protection}"`);
    if (protection === 'hsm' && !input.keyStore) throw invalid('key_store_required', '"protection": "hsm" needs "keyStore" ({ provider, identifier }) naming a configured HSM key store');
    if (protection !== 'threshold' && input.threshold) throw invalid('protection_conflict', `"threshold" applies to threshold keys only, but "protection" is "${protection}"`);
    const keyStore = input.keyStore ? this.keyStores.resolve(input.keyStore) : undefined;
    if (keyStore) HsmBackend.check(keyStore, input.type, usage);
    let committee: KeyRecord['threshold'];
    if (protection === 'threshold') {
      if (!this.cluster) throw thresholdUnavailable();
      committee = resolveCommittee(this.cluster, input.threshold);
    }
    const versionExpiry = input.versionExpiry ?? DEFAULT_VERSION_EXPIRY;
    parseDuration(versionExpiry, 'versionExpiry');
    const intervalMs = input.rotation === undefined ? undefined : this.#interval(input.rotation, 'rotation');
    const keyId = input.keyId ?? `key-${randomBytes(8).toString('hex')}`;
    const path = metaPath(input.environment, keyId);

    return this.#locks.run(path, async () => {
      if (await this.store.getJson<KeyRecord>(path)) throw conflict('key_exists', `key "${keyId}" already exists in environment "${input.environment}"`);
      const generated = await this.#backends[protection].generate({
        type: input.type,
        usage,
        label: `${input.environment}/${keyId}/v1`,
        ...(keyStore ? { keyStore: keyStore.ref.id } : {}),
        ...(committee ? { committee } : {}),
      });
      const now = this.now();
      const record: KeyRecord = {
        id: keyId,
        environment: input.environment,
        type: input.type,
        usage,
        protection,
        ...(keyStore ? { keyStore: keyStore.ref } : {}),
        ...(committee ? { threshold: committee } : {}),
        state: 'enabled',
        ...(input.description === undefined ? {} : { description: input.description }),
        tags: input.tags ? [...new Set(input.tags)].sort() : [],
        createdAt: iso(now),
        updatedAt: iso(now),
        currentVersion: 1,
        versionExpiry,
        versions: [{ version: 1, state: 'active', createdAt: iso(now), ...publicFields(input.type, generated.publicKey) }],
        ...(intervalMs === undefined ? {} : { rotation: { interval: input.rotation!, strategy: 'create-new' as const, nextRotationAt: iso(now + intervalMs) } }),
      };
      await this.store.batch([
        this.store.putJsonOp(materialPath(input.environment, keyId, 1), generated.material),
        this.store.putJsonOp(path, record),
      ]);
      this.#onChange(record);
      return record;
    });
  }

  async get(environment: string, keyId: string): Promise<KeyRecord> {
    const record = await this.store.getJson<KeyRecord>(metaPath(environment, keyId));
    if (!record) throw notFound('key_not_found', `key "${keyId}" does not exist in environment "${environment}"`);
    return record;
  }

  async list(environment: string, query: { limit: number; cursor?: string; tags?: string[] }): Promise<{ keys: KeyRecord[]; nextCursor?: string }> {
    const prefix = `${META_PREFIX}${environment}/`;
    const keys: KeyRecord[] = [];
    const after = query.cursor === undefined ? undefined : prefix + query.cursor;
    for await (const [, record] of this.store.entriesJson<KeyRecord>(prefix, after ? { after } : undefined)) {
      if (record.state === 'deleted' || (query.tags && !query.tags.every((t) => record.tags.includes(t)))) continue;
      if (keys.length === query.limit) return { keys, nextCursor: keys[keys.length - 1]!.id };
      keys.push(record);
    }
    return { keys };
  }

  /** Every key of every environment, for the scheduler's start-up scan. */
  async *all(): AsyncIterable<KeyRecord> {
    for await (const [, record] of this.store.entriesJson<KeyRecord>(META_PREFIX)) yield record;
  }

  async publicKey(environment: string, keyId: string, version?: number): Promise<KeyVersion & { keyId: string; type: KeyType }> {
    const record = await this.#usable(environment, keyId);
    const v = this.#liveVersion(record, version ?? record.currentVersion);
    if (!v.publicKey) throw invalid('operation_unsupported', `${record.type} keys have no public key`);
    return { keyId, type: record.type, ...v };
  }

  async sign(input: SignInput): Promise<SignResult> {
    const record = await this.#usable(input.environment, input.keyId, 'sign');
    const algorithm = resolveAlgorithm(record.type, input.algorithm);
    const { messageType, digest, message } = this.#prepare(record.type, decodeBase64(input.message, 'message'), input.messageType);
    const version = record.versions.find((v) => v.version === record.currentVersion)!;
    const material = await this.#material(record, version.version);
    const raw = await this.#backends[record.protection].sign(record.type, material, algorithm, { digest, ...(message ? { message } : {}) });
    const result: SignResult = { keyId: record.id, keyVersion: version.version, algorithm, messageType, signature: '' };
    if (!isEcdsa(record.type)) return { ...result, signature: Buffer.from(raw.bytes).toString('hex') };
    const { signature, recovery } =
      raw.recovery !== undefined && isLowS(record.type, raw.bytes) ? { signature: raw.bytes, recovery: raw.recovery } : normalise(record.type, raw.bytes, digest, Buffer.from(version.publicKeyHex!, 'hex'));
    return { ...result, signature: Buffer.from(signature).toString('hex'), recovery };
  }

  /** Valid under the named version, or (none named) under any version that has not expired. */
  async verify(input: VerifyInput): Promise<{ valid: boolean; keyId: string; keyVersion?: number; algorithm: SigningAlgorithm; messageType: MessageType }> {
    const record = await this.#usable(input.environment, input.keyId, 'verify');
    const algorithm = resolveAlgorithm(record.type, input.algorithm);
    const { messageType, digest, message } = this.#prepare(record.type, decodeBase64(input.message, 'message'), input.messageType);
    const signature = new Uint8Array(Buffer.from(input.signature, 'hex'));
    const candidates = input.keyVersion === undefined ? this.#liveVersions(record) : [this.#liveVersion(record, input.keyVersion)];
    const base = { keyId: record.id, algorithm, messageType };
    for (const v of candidates) {
      if (verifyWithVersion(record.type, v, algorithm, { digest, signature, ...(message ? { message } : {}) })) return { ...base, valid: true, keyVersion: v.version };
    }
    return { ...base, valid: false };
  }

  async encrypt(input: KeyRef & { plaintext: string; context?: Record<string, string> }, purpose: CipherPurpose = 'enc'): Promise<{ keyId: string; keyVersion: number; ciphertext: string }> {
    const record = await this.#usable(input.environment, input.keyId, purpose === 'enc' ? 'encrypt' : 'wrap');
    const plaintext = decodeBase64(input.plaintext, purpose === 'enc' ? 'plaintext' : 'keyMaterial');
    const ciphertext = await this.#encryptWith(record, record.currentVersion, purpose, plaintext, input.context);
    return { keyId: record.id, keyVersion: record.currentVersion, ciphertext };
  }

  async decrypt(input: KeyRef & { ciphertext: string; context?: Record<string, string> }, purpose: CipherPurpose = 'enc'): Promise<{ keyId: string; keyVersion: number; plaintext: string }> {
    const record = await this.#usable(input.environment, input.keyId, purpose === 'enc' ? 'decrypt' : 'unwrap');
    const parsed = parseCiphertext(input.ciphertext, purpose);
    const plaintext = await this.#decryptWith(record, parsed.version, purpose, parsed.blob, input.context);
    return { keyId: record.id, keyVersion: parsed.version, plaintext: b64(plaintext) };
  }

  /** Re-encrypts a ciphertext (data or wrapped key) under the newest version without showing its plaintext. */
  async rewrap(input: KeyRef & { ciphertext: string; context?: Record<string, string> }): Promise<{ keyId: string; keyVersion: number; previousVersion: number; ciphertext: string }> {
    const purpose: CipherPurpose = input.ciphertext.startsWith('lkms:wrap:') ? 'wrap' : 'enc';
    const needed: KeyUsage[] = purpose === 'enc' ? ['decrypt', 'encrypt'] : ['unwrap', 'wrap'];
    const record = await this.#usable(input.environment, input.keyId, ...needed);
    const parsed = parseCiphertext(input.ciphertext, purpose);
    const plaintext = await this.#decryptWith(record, parsed.version, purpose, parsed.blob, input.context);
    const ciphertext = await this.#encryptWith(record, record.currentVersion, purpose, plaintext, input.context);
    return { keyId: record.id, keyVersion: record.currentVersion, previousVersion: parsed.version, ciphertext };
  }

  async mac(input: KeyRef & { message: string }): Promise<{ keyId: string; keyVersion: number; mac: string }> {
    const record = await this.#usable(input.environment, input.keyId, 'mac');
    const material = await this.#material(record, record.currentVersion);
    const mac = await this.#backends[record.protection].mac(record.type, material, decodeBase64(input.message, 'message'));
    return { keyId: record.id, keyVersion: record.currentVersion, mac: Buffer.from(mac).toString('hex') };
  }

  async verifyMac(input: KeyRef & { message: string; mac: string; keyVersion?: number }): Promise<{ valid: boolean; keyId: string; keyVersion?: number }> {
    const record = await this.#usable(input.environment, input.keyId, 'mac');
    const message = decodeBase64(input.message, 'message');
    const presented = Buffer.from(input.mac, 'hex');
    const candidates = input.keyVersion === undefined ? this.#liveVersions(record) : [this.#liveVersion(record, input.keyVersion)];
    for (const v of candidates) {
      const expected = await this.#backends[record.protection].mac(record.type, await this.#material(record, v.version), message);
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) return { valid: true, keyId: record.id, keyVersion: v.version };
    }
    return { valid: false, keyId: record.id };
  }

  /** A new version now; the previous one retires and keeps verifying/decrypting until it expires. */
  rotate(environment: string, keyId: string, trigger: 'manual' | 'scheduled' = 'manual') {
    return this.#locks.run(metaPath(environment, keyId), async () => {
      const record = await this.#usable(environment, keyId);
      return this.#rotateLocked(record, trigger);
    });
  }

  async configureRotation(input: RotationInput): Promise<KeyRecord> {
    const intervalMs = this.#interval(input.interval, 'interval');
    if (input.notifyWebhook !== undefined) this.webhooks.checkTarget(input.notifyWebhook);
    if (input.versionExpiry !== undefined) parseDuration(input.versionExpiry, 'versionExpiry');
    return this.#mutate(input.environment, input.keyId, (record) => {
      const strategy = input.strategy ?? 'create-new';
      if (strategy === 'reencrypt' && familyOf(record.usage) !== 'encryption') {
        throw invalid('strategy_unsupported', `"strategy": "reencrypt" re-encrypts stored ciphertexts, so it needs an encryption or wrapping key; ${record.id} is for ${familyOf(record.usage)}`);
      }
      this.#requireState(record, 'enabled', 'disabled');
      return {
        ...record,
        ...(input.versionExpiry === undefined ? {} : { versionExpiry: input.versionExpiry }),
        rotation: {
          interval: input.interval,
          strategy,
          ...(input.notifyWebhook === undefined ? {} : { notifyWebhook: input.notifyWebhook }),
          nextRotationAt: iso(this.now() + intervalMs),
        },
      };
    });
  }

  disableRotation(environment: string, keyId: string): Promise<KeyRecord> {
    return this.#mutate(environment, keyId, ({ rotation: _rotation, ...rest }) => {
      this.#requireState(rest as KeyRecord, 'enabled', 'disabled');
      return rest;
    });
  }

  setEnabled(environment: string, keyId: string, enabled: boolean): Promise<KeyRecord> {
    return this.#mutate(environment, keyId, (record) => {
      this.#requireState(record, 'enabled', 'disabled');
      return { ...record, state: enabled ? 'enabled' : 'disabled' };
    });
  }

  async scheduleDeletion(environment: string, keyId: string, waitingPeriod = DEFAULT_DELETION_WAIT): Promise<KeyRecord> {
    const seconds = parseDuration(waitingPeriod, 'waitingPeriod');
    if (seconds * 1000 < this.#options.minDeletionWaitMs || seconds > MAX_DELETION_WAIT_S) {
      throw invalid('invalid_duration', `"waitingPeriod" expected ${this.#options.minDeletionWaitMs / 1000}s..365d, got "${waitingPeriod}"`);
    }
    return this.#mutate(environment, keyId, (record) => {
      this.#requireState(record, 'enabled', 'disabled');
      return { ...record, state: 'pending_deletion', deletionDate: iso(this.now() + seconds * 1000) };
    });
  }

  /** Back from pending deletion to `disabled`: the owner re-enables it on purpose. */
  cancelDeletion(environment: string, keyId: string): Promise<KeyRecord> {
    return this.#mutate(environment, keyId, ({ deletionDate: _d, ...record }) => {
      this.#requireState(record as KeyRecord, 'pending_deletion');
      return { ...record, state: 'disabled' };
    });
  }

  /** Encrypts (or wraps) `plaintext` and keeps the ciphertext here, where `reencrypt` rotations can renew it. */
  putStored(input: KeyRef & { name: string; plaintext: string; context?: Record<string, string> }): Promise<StoredCiphertext> {
    return this.#locks.run(metaPath(input.environment, input.keyId), async () => {
      const record = await this.#usable(input.environment, input.keyId);
      const purpose = this.#storedPurpose(record);
      const ciphertext = await this.#encryptWith(record, record.currentVersion, purpose, decodeBase64(input.plaintext, 'plaintext'), input.context);
      const stored: StoredCiphertext = { name: input.name, keyVersion: record.currentVersion, ciphertext, ...(input.context ? { context: input.context } : {}), updatedAt: iso(this.now()) };
      await this.store.putJson(storedPath(input.environment, input.keyId, input.name), stored);
      return stored;
    });
  }

  async getStored(environment: string, keyId: string, name: string): Promise<StoredCiphertext> {
    await this.get(environment, keyId);
    const stored = await this.store.getJson<StoredCiphertext>(storedPath(environment, keyId, name));
    if (!stored) throw notFound('ciphertext_not_found', `key "${keyId}" has no stored ciphertext "${name}"`);
    return stored;
  }

  async listStored(environment: string, keyId: string): Promise<StoredCiphertext[]> {
    await this.get(environment, keyId);
    const out: StoredCiphertext[] = [];
    for await (const [, stored] of this.store.entriesJson<StoredCiphertext>(storedPrefix(environment, keyId))) out.push(stored);
    return out;
  }

  deleteStored(environment: string, keyId: string, name: string): Promise<void> {
    return this.#locks.run(metaPath(environment, keyId), async () => {
      await this.getStored(environment, keyId, name);
      await this.store.del(storedPath(environment, keyId, name));
    });
  }

  /**
   * Whatever is due for this key at `now`: a pending deletion, version expiry, a scheduled rotation. Each action is
   * announced through `before` (the audit record) and skipped if that fails.
   */
  maintain(environment: string, keyId: string, before: BeforeScheduledAction): Promise<void> {
    return this.#locks.run(metaPath(environment, keyId), async () => {
      let record = await this.store.getJson<KeyRecord>(metaPath(environment, keyId));
      if (!record || record.state === 'deleted') return;
      const now = this.now();
      if (record.state === 'pending_deletion' && Date.parse(record.deletionDate!) <= now) {
        await before('delete', record);
        await this.#deleteLocked(record);
        return;
      }
      if (record.versions.some((v) => expired(v, now) && v.state === 'retired')) {
        await before('expire', record);
        record = await this.#expireLocked(record, now);
      }
      if (record.state === 'enabled' && record.rotation && Date.parse(record.rotation.nextRotationAt) <= now) {
        await before('rotate', record);
        await this.#rotateLocked(record, 'scheduled');
      }
    });
  }

  /** When this key next needs the scheduler, if ever. */
  static nextDue(record: KeyRecord): number | undefined {
    if (record.state === 'deleted') return undefined;
    if (record.state === 'pending_deletion') return Date.parse(record.deletionDate!);
    const times = record.versions.filter((v) => v.state === 'retired' && v.expiresAt).map((v) => Date.parse(v.expiresAt!));
    if (record.state === 'enabled' && record.rotation) times.push(Date.parse(record.rotation.nextRotationAt));
    return times.length ? Math.min(...times) : undefined;
  }

  async #rotateLocked(record: KeyRecord, trigger: 'manual' | 'scheduled') {
    const version = record.currentVersion + 1;
    const generated = await this.#backends[record.protection].generate({
      type: record.type,
      usage: record.usage,
      label: `${record.environment}/${record.id}/v${version}`,
      ...(record.keyStore ? { keyStore: record.keyStore.id } : {}),
      ...(record.threshold ? { committee: record.threshold } : {}),
    });
    const now = this.now();
    const expiresAt = iso(now + parseDuration(record.versionExpiry, 'versionExpiry') * 1000);
    const next: KeyRecord = {
      ...record,
      updatedAt: iso(now),
      currentVersion: version,
      versions: [
        ...record.versions.map((v): KeyVersion => (v.state === 'active' ? { ...v, state: 'retired', retiredAt: iso(now), expiresAt } : v)),
        { version, state: 'active', createdAt: iso(now), ...publicFields(record.type, generated.publicKey) },
      ],
      ...(record.rotation ? { rotation: { ...record.rotation, nextRotationAt: iso(now + parseDuration(record.rotation.interval, 'interval') * 1000) } } : {}),
    };
    // Written before the new metadata: a crash in between leaves unused material, never a version without it.
    await this.store.putJson(materialPath(record.environment, record.id, version), generated.material);
    const strategy = record.rotation?.strategy ?? 'create-new';
    const reencrypted = strategy === 'reencrypt' ? await this.#renewStored(next, () => true) : 0;
    await this.store.putJson(metaPath(record.environment, record.id), next);
    this.#onChange(next);
    const notify = record.rotation?.notifyWebhook;
    if (notify === undefined) return next;
    const delivery = await this.webhooks.enqueue(notify, 'key.rotated', {
      environment: next.environment,
      keyId: next.id,
      version,
      previousVersion: record.currentVersion,
      previousVersionExpiresAt: expiresAt,
      strategy,
      trigger,
      ...(strategy === 'reencrypt' ? { reencrypted } : {}),
    });
    return { ...next, webhookDelivery: { id: delivery.id, status: delivery.status } };
  }

  /** Re-encrypts stored ciphertexts whose version matches `which` under the current version; returns how many. */
  async #renewStored(record: KeyRecord, which: (version: number) => boolean): Promise<number> {
    const purpose = this.#storedPurpose(record);
    const ops = [];
    for await (const [path, stored] of this.store.entriesJson<StoredCiphertext>(storedPrefix(record.environment, record.id))) {
      if (stored.keyVersion === record.currentVersion || !which(stored.keyVersion)) continue;
      const { blob } = parseCiphertext(stored.ciphertext, purpose);
      const plaintext = await this.#decryptWith(record, stored.keyVersion, purpose, blob, stored.context, true);
      const ciphertext = await this.#encryptWith(record, record.currentVersion, purpose, plaintext, stored.context);
      ops.push(this.store.putJsonOp(path, { ...stored, keyVersion: record.currentVersion, ciphertext, updatedAt: iso(this.now()) }));
    }
    await this.store.batch(ops);
    return ops.length;
  }

  /** Erases expired versions; stored ciphertexts still under one are renewed first, so expiry never loses them. */
  async #expireLocked(record: KeyRecord, now: number): Promise<KeyRecord> {
    const expiring = new Set(record.versions.filter((v) => v.state === 'retired' && expired(v, now)).map((v) => v.version));
    if (familyOf(record.usage) === 'encryption') await this.#renewStored(record, (v) => expiring.has(v));
    for (const version of expiring) await this.#destroyMaterial(record, version);
    const next: KeyRecord = {
      ...record,
      updatedAt: iso(now),
      versions: record.versions.map((v): KeyVersion => (expiring.has(v.version) ? { ...v, state: 'destroyed', destroyedAt: iso(now) } : v)),
    };
    await this.store.putJson(metaPath(record.environment, record.id), next);
    this.#onChange(next);
    return next;
  }

  /** Erases every version and stored ciphertext; a tombstone keeps the id from being reused. */
  async #deleteLocked(record: KeyRecord): Promise<void> {
    for (const v of record.versions) if (v.state !== 'destroyed') await this.#destroyMaterial(record, v.version);
    const stored = [];
    for await (const path of this.store.keys(storedPrefix(record.environment, record.id))) stored.push({ type: 'del' as const, key: path });
    const now = iso(this.now());
    const { rotation: _r, deletionDate: _d, ...rest } = record;
    const tombstone: KeyRecord = { ...rest, state: 'deleted', updatedAt: now, versions: record.versions.map((v) => (v.state === 'destroyed' ? v : { ...v, state: 'destroyed', destroyedAt: now })) };
    await this.store.batch([...stored, this.store.putJsonOp(metaPath(record.environment, record.id), tombstone)]);
    this.#onChange(tombstone);
  }

  async #destroyMaterial(record: KeyRecord, version: number): Promise<void> {
    const path = materialPath(record.environment, record.id, version);
    const material = await this.store.getJson<Material>(path);
    if (material) await this.#backends[record.protection].destroy(material);
    await this.store.del(path);
  }

  async #encryptWith(record: KeyRecord, version: number, purpose: CipherPurpose, plaintext: Uint8Array, context: Record<string, string> | undefined): Promise<string> {
    const max = RSA_BITS[record.type] ? RSA_BITS[record.type]! / 8 - OAEP_OVERHEAD : AES_MAX_PLAINTEXT;
    if (plaintext.length === 0 || plaintext.length > max) throw invalid('invalid_plaintext', `"plaintext" expected 1..${max} bytes for ${record.type}, got ${plaintext.length}`);
    const aad = associatedData(purpose, record.environment, record.id, version, context);
    const blob = await this.#backends[record.protection].encrypt(record.type, await this.#material(record, version), plaintext, aad);
    return formatCiphertext(purpose, version, blob);
  }

  async #decryptWith(record: KeyRecord, version: number, purpose: CipherPurpose, blob: Uint8Array, context: Record<string, string> | undefined, evenIfExpired = false): Promise<Uint8Array> {
    if (!evenIfExpired) this.#liveVersion(record, version);
    const aad = associatedData(purpose, record.environment, record.id, version, context);
    return this.#backends[record.protection].decrypt(record.type, await this.#material(record, version), blob, aad);
  }

  #prepare(type: KeyType, bytes: Uint8Array, requested: MessageType | undefined): { messageType: MessageType; digest: Uint8Array; message?: Uint8Array } {
    if (!isEcdsa(type)) {
      if (requested === 'DIGEST') throw invalid('digest_unsupported', `${type} keys sign messages, not digests: send the message with "messageType": "RAW"`);
      return { messageType: 'RAW', digest: sha256(bytes), message: bytes };
    }
    // A 32-byte input to ECDSA_SHA256 is a hash already (a transaction hash) unless the caller says it is raw.
    const messageType = requested ?? (bytes.length === 32 ? 'DIGEST' : 'RAW');
    if (messageType === 'DIGEST' && bytes.length !== 32) throw invalid('invalid_digest', `"message" as a DIGEST expected 32 bytes (SHA-256), got ${bytes.length}`);
    return messageType === 'DIGEST' ? { messageType, digest: bytes } : { messageType, digest: sha256(bytes), message: bytes };
  }

  async #material(record: KeyRecord, version: number): Promise<Material> {
    const material = await this.store.getJson<Material>(materialPath(record.environment, record.id, version));
    if (!material) throw new GatewayError('gone', 'key_version_destroyed', `version ${version} of key "${record.id}" has been destroyed`);
    return material;
  }

  /** The record, refusing every operation unless the key is enabled and allows each usage named. */
  async #usable(environment: string, keyId: string, ...usages: KeyUsage[]): Promise<KeyRecord> {
    const record = await this.get(environment, keyId);
    this.#requireState(record, 'enabled');
    for (const usage of usages) {
      if (!record.usage.includes(usage)) throw invalid('usage_not_allowed', `key "${keyId}" was created for [${record.usage.join(', ')}], not "${usage}"`);
    }
    return record;
  }

  #requireState(record: KeyRecord, ...allowed: KeyRecord['state'][]): void {
    if (allowed.includes(record.state)) return;
    if (record.state === 'deleted') throw new GatewayError('gone', 'key_deleted', `key "${record.id}" was deleted`);
    const what = record.state === 'pending_deletion' ? `pending deletion (on ${record.deletionDate}; cancel the deletion first)` : record.state;
    throw conflict(`key_${record.state}`, `key "${record.id}" is ${what}; this needs it ${allowed.join(' or ')}`);
  }

  #liveVersions(record: KeyRecord): KeyVersion[] {
    const now = this.now();
    return record.versions.filter((v) => v.state !== 'destroyed' && !expired(v, now)).sort((a, b) => b.version - a.version);
  }

  #liveVersion(record: KeyRecord, version: number): KeyVersion {
    const v = record.versions.find((x) => x.version === version);
    if (!v) throw notFound('key_version_not_found', `key "${record.id}" has no version ${version} (current is ${record.currentVersion})`);
    if (v.state === 'destroyed' || expired(v, this.now())) {
      throw new GatewayError('gone', 'key_version_expired', `version ${version} of key "${record.id}" expired${v.expiresAt ? ` at ${v.expiresAt}` : ''}; use a newer version (current is ${record.currentVersion})`);
    }
    return v;
  }

  #storedPurpose(record: KeyRecord): CipherPurpose {
    if (record.usage.includes('encrypt') && record.usage.includes('decrypt')) return 'enc';
    if (record.usage.includes('wrap') && record.usage.includes('unwrap')) return 'wrap';
    throw invalid('usage_not_allowed', `stored ciphertexts need a key that can encrypt and decrypt (or wrap and unwrap); "${record.id}" has [${record.usage.join(', ')}]`);
  }

  #interval(text: string, field: string): number {
    const ms = parseDuration(text, field) * 1000;
    if (ms < this.#options.minRotationIntervalMs) throw invalid('invalid_duration', `"${field}" expected at least ${this.#options.minRotationIntervalMs / 1000}s, got "${text}"`);
    return ms;
  }

  #mutate(environment: string, keyId: string, change: (record: KeyRecord) => KeyRecord): Promise<KeyRecord> {
    return this.#locks.run(metaPath(environment, keyId), async () => {
      const record = await this.get(environment, keyId);
      const next = { ...change(record), updatedAt: iso(this.now()) };
      await this.store.putJson(metaPath(environment, keyId), next);
      this.#onChange(next);
      return next;
    });
  }
}

function expired(v: KeyVersion, now: number): boolean {
  return v.expiresAt !== undefined && Date.parse(v.expiresAt) <= now;
}
