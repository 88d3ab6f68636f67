/**
 * Secrets: versioned values in per-environment namespaces, all behind the storage barrier.
 *
 * Layout: `smeta/<env>/<name>` holds metadata (tags, versions), `sval/<env>/<name>/<version>` each value.
 * Every write is a new version written atomically with its metadata; a per-secret lock makes check-and-set
 * (`ifVersion`) exact: 0 means "must not exist yet", n means "current version must be n".
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, GatewayError, notFound } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import type { WebhookService } from '../webhooks/service.js';
import type { Secret, SecretInfo, SecretMeta, VersionInfo } from './records.js';

export interface WriteInput {
  environment: string;
  name: string;
  value: string;
  tags?: string[];
  ifVersion?: number;
}

const metaPath = (env: string, name: string) => `smeta/${env}/${name}`;
// Metadata (never values) of recently used secrets, so a read costs one store lookup instead of two.
// Exact because this process is the store's only writer and every change goes through `#remember`.
const META_CACHE_SIZE = 10_000;
const valuePath = (env: string, name: string, version: number) => `sval/${env}/${name}/${String(version).padStart(10, '0')}`;
const info = ({ versions: _versions, ...rest }: SecretMeta): SecretInfo => rest;

export class SecretsService {
  readonly #locks = new KeyedMutex();
  readonly #metaCache = new Map<string, SecretMeta>();
  /** Counts writes, so a read that raced with one does not put its older metadata back in the cache. */
  #writes = 0;

  constructor(
    private readonly store: EncryptedStore,
    private readonly webhooks: WebhookService,
  ) {}

  /** Creates a secret at version 1; an existing name is a conflict (use `write` or `rotate` for new versions). */
  create(input: WriteInput): Promise<SecretInfo> {
    return this.write({ ...input, ifVersion: 0 }, 'secret_exists');
  }

  /** Writes a new version, creating the secret if it does not exist (unless `ifVersion` says otherwise). */
  write(input: WriteInput, conflictCode = 'version_conflict'): Promise<SecretInfo> {
    return this.#locks.run(metaPath(input.environment, input.name), async () => {
      const current = await this.#meta(input.environment, input.name);
      checkVersion(current, input, conflictCode);
      const now = new Date().toISOString();
      const version = (current?.version ?? 0) + 1;
      const meta: SecretMeta = {
        name: input.name,
        environment: input.environment,
        tags: input.tags ? [...new Set(input.tags)].sort() : (current?.tags ?? []),
        version,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
        versions: [...(current?.versions ?? []), { version, createdAt: now }],
      };
      await this.store.batch([
        this.store.putOp(valuePath(input.environment, input.name, version), Buffer.from(input.value, 'utf8')),
        this.store.putJsonOp(metaPath(input.environment, input.name), meta),
      ]);
      this.#remember(metaPath(input.environment, input.name), meta);
      return info(meta);
    });
  }

  /** A new version of an existing secret, then (if asked) a signed webhook announcing it — never the value. */
  async rotate(input: { environment: string; name: string; newValue: string; notifyWebhook?: string; ifVersion?: number }) {
    // Refuse a bad URL before writing, so a failed rotate leaves no version behind.
    if (input.notifyWebhook !== undefined) this.webhooks.checkTarget(input.notifyWebhook);
    const current = await this.#require(input.environment, input.name);
    const rotated = await this.write({
      environment: input.environment,
      name: input.name,
      value: input.newValue,
      ifVersion: input.ifVersion ?? current.version,
    });
    if (input.notifyWebhook === undefined) return rotated;
    const delivery = await this.webhooks.enqueue(input.notifyWebhook, 'secret.rotated', {
      environment: rotated.environment,
      name: rotated.name,
      version: rotated.version,
      previousVersion: rotated.version - 1,
    });
    return { ...rotated, webhookDelivery: { id: delivery.id, status: delivery.status } };
  }

  async get(environment: string, name: string, version?: number): Promise<Secret> {
    const meta = await this.#require(environment, name);
    const wanted = version ?? meta.version;
    const v = meta.versions.find((x) => x.version === wanted);
    if (!v) throw notFound('version_not_found', `secret "${name}" has no version ${wanted} (latest is ${meta.version})`);
    if (v.destroyedAt) throw new GatewayError('gone', 'version_destroyed', `version ${wanted} of secret "${name}" was destroyed`);
    const bytes = await this.store.getBytes(valuePath(environment, name, wanted));
    if (!bytes) throw notFound('version_not_found', `secret "${name}" has no stored value for version ${wanted}`);
    return { ...info(meta), version: wanted, value: Buffer.from(bytes).toString('utf8') };
  }

  async versions(environment: string, name: string): Promise<VersionInfo[]> {
    return (await this.#require(environment, name)).versions;
  }

  /** Erases one version's value for good; its number stays in the history, marked destroyed. */
  destroyVersion(environment: string, name: string, version: number): Promise<VersionInfo> {
    return this.#locks.run(metaPath(environment, name), async () => {
      const meta = await this.#require(environment, name);
      const v = meta.versions.find((x) => x.version === version);
      if (!v) throw notFound('version_not_found', `secret "${name}" has no version ${version}`);
      if (v.destroyedAt) return v;
      const destroyed = { ...v, destroyedAt: new Date().toISOString() };
      const next = { ...meta, versions: meta.versions.map((x) => (x.version === version ? destroyed : x)) };
      await this.store.batch([
        { type: 'del', key: valuePath(environment, name, version) },
        this.store.putJsonOp(metaPath(environment, name), next),
      ]);
      this.#remember(metaPath(environment, name), next);
      return destroyed;
    });
  }

  /** Removes the secret and every version's value. */
  delete(environment: string, name: string): Promise<void> {
    return this.#locks.run(metaPath(environment, name), async () => {
      const meta = await this.#require(environment, name);
      await this.store.batch([
        ...meta.versions.map((v) => ({ type: 'del' as const, key: valuePath(environment, name, v.version) })),
        { type: 'del', key: metaPath(environment, name) },
      ]);
      this.#remember(metaPath(environment, name), undefined);
    });
  }

  /** Secrets of one environment carrying every tag asked for, by name, `limit` per page. */
  async list(environment: string, query: { tags?: string[]; limit: number; cursor?: string }): Promise<{ secrets: SecretInfo[]; nextCursor?: string }> {
    const prefix = `smeta/${environment}/`;
    const secrets: SecretInfo[] = [];
    const after = query.cursor === undefined ? undefined : prefix + query.cursor;
    for await (const [, meta] of this.store.entriesJson<SecretMeta>(prefix, after ? { after } : undefined)) {
      if (query.tags && !query.tags.every((t) => meta.tags.includes(t))) continue;
      if (secrets.length === query.limit) return { secrets, nextCursor: secrets[secrets.length - 1]!.name };
      secrets.push(info(meta));
    }
    return { secrets };
  }

  async #meta(environment: string, name: string): Promise<SecretMeta | undefined> {
    const path = metaPath(environment, name);
    const cached = this.#metaCache.get(path);
    if (cached) return cached;
    const writesBefore = this.#writes;
    const meta = await this.store.getJson<SecretMeta>(path);
    if (meta && writesBefore === this.#writes) this.#cache(path, meta);
    return meta;
  }

  /** After a write: the new metadata (or none, after a delete) replaces whatever was cached. */
  #remember(path: string, meta: SecretMeta | undefined): void {
    this.#writes++;
    this.#metaCache.delete(path);
    if (meta) this.#cache(path, meta);
  }

  #cache(path: string, meta: SecretMeta): void {
    if (this.#metaCache.size >= META_CACHE_SIZE) this.#metaCache.delete(this.#metaCache.keys().next().value!);
    this.#metaCache.set(path, meta);
  }

  async #require(environment: string, name: string): Promise<SecretMeta> {
    const meta = await this.#meta(environment, name);
    if (!meta) throw notFound('secret_not_found', `secret "${name}" does not exist in environment "${environment}"`);
    return meta;
  }
}

function checkVersion(current: SecretMeta | undefined, input: WriteInput, code: string): void {
  if (input.ifVersion === undefined) return;
  const have = current?.version ?? 0;
  if (have === input.ifVersion) return;
  throw conflict(
    code,
    input.ifVersion === 0
      ? `secret "${input.name}" already exists in "${input.environment}" (version ${have})`
      : `secret "${input.name}": expected version ${input.ifVersion}, current is ${have}`,
  );
}
