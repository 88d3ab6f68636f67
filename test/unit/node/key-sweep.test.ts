/**
 * The sweep of stale sealed records: pending generations of ceremonies that a crash or failure left behind, and this
 * node's presignatures that can no longer be handed out. Run against the in-memory store and the real LevelDB store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cggmp21KeygenCeremony, cggmp21RefreshCeremony } from '../../../node/ceremonies/cggmp21.js';
import { frostKeygenCeremony } from '../../../node/ceremonies/frost.js';
import { activateCeremony } from '../../../node/ceremonies/reshare.js';
import type { NodeServices } from '../../../node/daemon.js';
import { createSoftwareSeal, generateSalt, type SoftwareSeal } from '../../../node/hsm/software-seal.js';
import { DecodedCache } from '../../../node/keys/decoded-cache.js';
import { KeyVault, type KeyRecord } from '../../../node/keys/key-vault.js';
import { newPresignId } from '../../../node/keys/presign-pool.js';
import { discardAfterFailure, sweepAtStart } from '../../../node/keys/sweep.js';
import { NodeMetrics } from '../../../node/metrics.js';
import type { SessionContext } from '../../../node/sessions/manager.js';
import type { KeyValueStore } from '../../../node/store/kv.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';
import { openSealedRecordStore, type SealedRecordStore } from '../../../node/store/sealed-store.js';

const SELF = 1;
const bytes = (s: string) => new TextEncoder().encode(s);
const SECRET = 'secret-share-bytes-0123456789abcdef';

class RecordingLogger {
  readonly lines: { level: string; obj: object; msg: string }[] = [];
  info = (obj: object, msg: string) => void this.lines.push({ level: 'info', obj, msg });
  warn = (obj: object, msg: string) => void this.lines.push({ level: 'warn', obj, msg });
  error = (obj: object, msg: string) => void this.lines.push({ level: 'error', obj, msg });
  debug = (obj: object, msg: string) => void this.lines.push({ level: 'debug', obj, msg });
  text(): string {
    return JSON.stringify(this.lines);
  }
}

let seal: SoftwareSeal;
beforeAll(async () => {
  seal = await createSoftwareSeal({ passphrase: 'sweep test passphrase', salt: generateSalt() });
});
afterAll(async () => seal.close());

interface Harness {
  kv: KeyValueStore;
  sealed: SealedRecordStore;
  vault: KeyVault;
  /** Close the store and open it again, as a restarted node does (the LevelDB store keeps its files). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function memoryHarness(): Promise<Harness> {
  const kv = new MemoryKeyValueStore();
  const sealed = await openSealedRecordStore(kv, seal);
  const h: Harness = { kv, sealed, vault: new KeyVault(sealed), restart: async () => void (h.vault = new KeyVault(h.sealed)), close: async () => kv.close() };
  return h;
}

async function levelHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-sweep-'));
  const open = async () => {
    const kv = await openLevelStore(join(dir, 'db'));
    const sealed = await openSealedRecordStore(kv, seal);
    return { kv, sealed, vault: new KeyVault(sealed) };
  };
  const h: Harness = {
    ...(await open()),
    async restart() {
      await h.kv.close();
      Object.assign(h, await open());
    },
    async close() {
      await h.kv.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

const key = (keyId: string) => ({ keyId, protocol: 'cggmp21' as const, threshold: 2, parties: [1, 2, 3], publicKey: '02'.padEnd(66, 'a') });

/** A key that finished keygen and activation here (generation 0 active). */
async function activeKey(vault: KeyVault, keyId: string): Promise<void> {
  await vault.createPending(key(keyId), bytes(`${SECRET}-${keyId}-0`), 'keygen-session');
  await vault.markAcknowledged(keyId, 0);
  await vault.activate(keyId, 0);
  await vault.putAux(keyId, 0, bytes('aux-0'));
}

async function stageNext(vault: KeyVault, keyId: string, stagedBy: string | undefined, generation = 1): Promise<void> {
  await vault.stage(keyId, { generation, threshold: 2, parties: [1, 2, 3], ...(stagedBy ? { stagedBy } : {}) }, bytes(`${SECRET}-${keyId}-${generation}`), bytes(`aux-${generation}`));
}

function sweep(h: Harness, logger = new RecordingLogger(), metrics?: NodeMetrics) {
  return sweepAtStart({ vault: h.vault, self: SELF, logger, ...(metrics ? { metrics } : {}) });
}

describe.each([
  ['in-memory store', memoryHarness],
  ['LevelDB store', levelHarness],
])('start-up sweep on the %s', (_name, makeHarness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => h.close());

  it('pending keygen left by a crash is discarded at start: metadata, index entry and sealed share all gone', async () => {
    await h.vault.createPending(key('crashed-keygen'), bytes(SECRET), 'keygen-1');
    await h.restart();
    const logger = new RecordingLogger();
    const metrics = new NodeMetrics();
    const outcome = await sweep(h, logger, metrics);
    expect(outcome.discarded).toContainEqual({ keyId: 'crashed-keygen', generation: 0 });
    expect(await h.vault.get('crashed-keygen')).toBeUndefined();
    expect(await h.vault.keyIds()).not.toContain('crashed-keygen');
    expect(await h.sealed.generations('share/crashed-keygen')).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('luxkms_swept_total')).toMatch(/kind="pending_generation"} 1/);
    expect(logger.text()).toContain('crashed-keygen');
    expect(logger.text()).not.toContain(SECRET);
  });

  it('active key is never swept: share, aux and record unchanged', async () => {
    await activeKey(h.vault, 'active-key');
    const before = await h.vault.require('active-key');
    await h.restart();
    await sweep(h);
    expect(await h.vault.require('active-key')).toEqual(before);
    expect(await h.vault.share('active-key', 0)).toEqual(bytes(`${SECRET}-active-key-0`));
    expect(await h.vault.aux('active-key', 0)).toEqual(bytes('aux-0'));
  });

  it('pending k+1 of a reshare that never reached activation is discarded and generation k stays active', async () => {
    await activeKey(h.vault, 'reshared');
    await stageNext(h.vault, 'reshared', 'reshare-1');
    await h.restart();
    const outcome = await sweep(h);
    expect(outcome.discarded).toContainEqual({ keyId: 'reshared', generation: 1 });
    const record = await h.vault.require('reshared');
    expect(record.pending).toBeUndefined();
    expect(record.generation).toBe(0);
    expect(await h.sealed.generations('share/reshared')).toEqual([0]);
    expect(await h.sealed.generations('aux/reshared')).toEqual([0]);
    expect(await h.vault.share('reshared', 0)).toEqual(bytes(`${SECRET}-reshared-0`));
  });

  it('pending k+1 this node acknowledged for activation is kept (other parties may already sign with it) and can still activate', async () => {
    await activeKey(h.vault, 'acknowledged');
    await stageNext(h.vault, 'acknowledged', 'reshare-2');
    await h.vault.markAcknowledged('acknowledged', 1);
    await h.restart();
    const logger = new RecordingLogger();
    const outcome = await sweep(h, logger);
    expect(outcome.kept).toContainEqual(expect.objectContaining({ keyId: 'acknowledged', generation: 1 }));
    expect(logger.lines.some((l) => l.level === 'warn' && (l.obj as { keyId?: string }).keyId === 'acknowledged')).toBe(true);
    expect((await h.vault.require('acknowledged')).pending?.generation).toBe(1);
    expect(await h.vault.share('acknowledged', 1)).toEqual(bytes(`${SECRET}-acknowledged-1`));
    expect((await h.vault.activate('acknowledged', 1)).generation).toBe(1);
  });

  it('acknowledged pending keygen (a crash inside activation) keeps the only share this node has of the key', async () => {
    await h.vault.createPending(key('keygen-acked'), bytes(SECRET), 'keygen-2');
    await h.vault.markAcknowledged('keygen-acked', 0);
    await h.restart();
    await sweep(h);
    expect(await h.vault.share('keygen-acked', 0)).toEqual(bytes(SECRET));
  });

  it('pending generation stored before staging markers existed is kept, not guessed about', async () => {
    await activeKey(h.vault, 'legacy');
    await stageNext(h.vault, 'legacy', undefined);
    const outcome = await sweep(h);
    expect(outcome.kept).toContainEqual(expect.objectContaining({ keyId: 'legacy', generation: 1 }));
    expect((await h.vault.require('legacy')).pending?.generation).toBe(1);
  });

  it('a node that joined a key only through an unfinished reshare forgets the key entirely (no record without a share)', async () => {
    const base: KeyRecord = { ...key('joined'), parties: [2, 3, 4], generation: 4, createdAt: new Date().toISOString() };
    await h.vault.stage('joined', { generation: 5, threshold: 2, parties: [1, 2, 3], stagedBy: 'reshare-3' }, bytes(SECRET), undefined, base);
    await h.restart();
    await sweep(h);
    expect(await h.vault.get('joined')).toBeUndefined();
    expect(await h.sealed.generations('share/joined')).toEqual([]);
  });

  it('unconfirmed presignature from before a restart is discarded; one another node created is left for it', async () => {
    await activeKey(h.vault, 'presigned');
    const mine = [newPresignId([1, 2], SELF), newPresignId([1, 3], SELF)];
    const theirs = newPresignId([1, 2], 2);
    for (const id of [...mine, theirs]) await h.vault.addPresignature('presigned', 0, id, bytes(`presig-${id}`));
    await h.vault.addPresignature('presigned', 0, 'operator-made-id', bytes('presig-unknown-shape'));
    await h.restart();
    const metrics = new NodeMetrics();
    const outcome = await sweep(h, new RecordingLogger(), metrics);
    expect(outcome.presignatures).toContainEqual({ keyId: 'presigned', count: 2 });
    expect((await h.vault.listPresignatures('presigned')).sort()).toEqual([theirs, 'operator-made-id'].sort());
    for (const id of mine) expect(await h.sealed.generations(`presig/presigned/${id}`)).toEqual([]);
    expect(await h.vault.readPresignature('presigned', 0, theirs)).toEqual(bytes(`presig-${theirs}`));
    expect(await metrics.registry.getSingleMetricAsString('luxkms_swept_total')).toMatch(/kind="presignature"} 2/);
  });

  it('corrupt key metadata or presignature index is logged and left untouched, and the other keys are still swept', async () => {
    await h.sealed.putMeta('key-index', bytes(JSON.stringify([...(await h.vault.keyIds()), 'corrupt-meta'])));
    await h.sealed.putMeta('key/corrupt-meta', bytes('{not json'));
    await activeKey(h.vault, 'corrupt-presig');
    await h.sealed.putMeta('presig-index/corrupt-presig', bytes('"not a list"'));
    await h.vault.createPending(key('swept-anyway'), bytes(SECRET), 'keygen-3');
    const logger = new RecordingLogger();
    const outcome = await sweep(h, logger);
    expect(outcome.unreadable).toEqual(expect.arrayContaining(['corrupt-meta', 'corrupt-presig']));
    expect(await h.sealed.getMeta('key/corrupt-meta')).toEqual(bytes('{not json'));
    expect(await h.sealed.getMeta('presig-index/corrupt-presig')).toEqual(bytes('"not a list"'));
    expect(await h.vault.get('swept-anyway')).toBeUndefined();
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => (l.obj as { keyId?: string }).keyId)).toEqual(
      expect.arrayContaining(['corrupt-meta', 'corrupt-presig']),
    );
  });

  it('an unreadable key index makes the sweep log and erase nothing instead of throwing', async () => {
    const index = await h.sealed.getMeta('key-index');
    await h.sealed.putMeta('key-index', bytes('[1, 2'));
    const logger = new RecordingLogger();
    await expect(sweep(h, logger)).resolves.toEqual({ discarded: [], kept: [], presignatures: [], unreadable: [] });
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    await h.sealed.putMeta('key-index', index!);
  });
});

describe('pending generation of a ceremony that failed while the node runs', () => {
  let h: Harness;
  let services: Pick<NodeServices, 'vault' | 'decoded' | 'logger' | 'metrics'>;
  let logger: RecordingLogger;
  beforeAll(async () => {
    h = await memoryHarness();
    logger = new RecordingLogger();
    services = { vault: h.vault, decoded: new DecodedCache(), logger, metrics: new NodeMetrics() };
  });
  afterAll(async () => h.close());

  const ctx = (sessionId: string, ceremony: string): SessionContext =>
    ({ sessionId, ceremony, parties: [1, 2, 3], self: SELF, initiator: 2, params: {}, auth: undefined as never });

  it('the failed keygen session discards the pending key it stored', async () => {
    await h.vault.createPending(key('failed-keygen'), bytes(SECRET), 'kg-1');
    await discardAfterFailure(services, ctx('kg-1', 'cggmp21-keygen'), () => ({ keyId: 'failed-keygen' }));
    expect(await h.vault.get('failed-keygen')).toBeUndefined();
  });

  it('a refused duplicate proposal never erases another session’s pending generation', async () => {
    await activeKey(h.vault, 'busy');
    await stageNext(h.vault, 'busy', 'reshare-in-progress');
    await discardAfterFailure(services, ctx('duplicate', 'lss-reshare'), () => ({ keyId: 'busy' }));
    expect((await h.vault.require('busy')).pending?.generation).toBe(1);
  });

  it('failed aux info discards the pending generation it was made for, but never the active one', async () => {
    await discardAfterFailure(services, ctx('aux-1', 'cggmp21-aux'), () => ({ keyId: 'busy', generation: 0 }));
    expect(await h.vault.share('busy', 0)).toBeDefined();
    expect((await h.vault.require('busy')).pending?.generation).toBe(1);
    await discardAfterFailure(services, ctx('aux-2', 'cggmp21-aux'), () => ({ keyId: 'busy', generation: 1 }));
    expect((await h.vault.require('busy')).pending).toBeUndefined();
    expect(await h.sealed.generations('share/busy')).toEqual([0]);
  });

  it('a pending generation acknowledged for activation survives any failure report', async () => {
    await stageNext(h.vault, 'busy', 'reshare-4');
    await h.vault.markAcknowledged('busy', 1);
    await discardAfterFailure(services, ctx('reshare-4', 'lss-reshare'), () => ({ keyId: 'busy' }));
    await discardAfterFailure(services, ctx('aux-3', 'cggmp21-aux'), () => ({ keyId: 'busy', generation: 1 }));
    expect((await h.vault.require('busy')).pending?.generation).toBe(1);
    expect(await h.vault.discardPending('busy')).toBe(false);
  });

  it('bad proposal parameters or a store error are logged, never thrown into the session manager', async () => {
    await expect(
      discardAfterFailure(services, ctx('bad', 'lss-reshare'), () => {
        throw new TypeError('"plan" expected bytes');
      }),
    ).resolves.toBeUndefined();
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('not discarded'))).toBe(true);
  });

  it('a late aux write for a discarded generation is refused instead of leaving an orphan secret', async () => {
    await activeKey(h.vault, 'late-aux');
    await expect(h.vault.putAux('late-aux', 1, bytes('orphan'))).rejects.toThrow(/no generation 1/);
    expect(await h.sealed.generations('aux/late-aux')).toEqual([0]);
  });
});

describe('ceremony hooks', () => {
  let h: Harness;
  let services: NodeServices;
  beforeAll(async () => {
    h = await memoryHarness();
    services = { vault: h.vault, decoded: new DecodedCache(), logger: new RecordingLogger(), metrics: new NodeMetrics(), config: { id: SELF } } as unknown as NodeServices;
  });
  afterAll(async () => h.close());

  const ctx = (sessionId: string, ceremony: string, params: SessionContext['params']): SessionContext =>
    ({ sessionId, ceremony, parties: [1, 2, 3], self: SELF, initiator: SELF, params, auth: { sign: () => new Uint8Array(64), verify: () => true } as never });

  it('joining the activation round marks the pending generation acknowledged before any acknowledgement is sent', async () => {
    await h.vault.createPending(key('activating'), bytes(SECRET), 'kg-a');
    const session = await activateCeremony(services).open(ctx('act-1', 'lss-activate', { keyId: 'activating', generation: 0 }));
    expect((await h.vault.require('activating')).pending?.acknowledged).toBe(true);
    expect(session.round).toBe(0);
  });

  it('a failed keygen, frost keygen, reshare or refresh session discards only what it stored itself', async () => {
    await h.vault.createPending(key('kg-failed'), bytes(SECRET), 'kg-b');
    await cggmp21KeygenCeremony(services).aborted!(ctx('someone-else', 'cggmp21-keygen', { keyId: 'kg-failed', threshold: 2 }), new Error('x'));
    expect(await h.vault.get('kg-failed')).toBeDefined();
    await cggmp21KeygenCeremony(services).aborted!(ctx('kg-b', 'cggmp21-keygen', { keyId: 'kg-failed', threshold: 2 }), new Error('x'));
    expect(await h.vault.get('kg-failed')).toBeUndefined();

    await h.vault.createPending({ ...key('frost-failed'), protocol: 'frost' }, bytes(SECRET), 'kg-c');
    await frostKeygenCeremony(services).aborted!(ctx('kg-c', 'frost-keygen', { keyId: 'frost-failed', protocol: 'frost', threshold: 2 }), new Error('x'));
    expect(await h.vault.get('frost-failed')).toBeUndefined();

    await activeKey(h.vault, 'refresh-failed');
    await stageNext(h.vault, 'refresh-failed', 'rf-1');
    await cggmp21RefreshCeremony(services).aborted!(ctx('rf-1', 'cggmp21-refresh', { keyId: 'refresh-failed' }), new Error('x'));
    expect((await h.vault.require('refresh-failed')).pending).toBeUndefined();
  });
});
