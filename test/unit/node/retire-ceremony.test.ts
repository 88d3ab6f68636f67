/**
 * The key-retire ceremony between four in-process nodes (real session managers, sealed in-memory stores, signed
 * envelopes): every holder erases everything it kept of the key only after every holder acknowledged; an offline
 * holder, a pending generation, a left-out holder or an untrusted initiator erases nothing anywhere; and a re-run
 * after an interrupted retirement finishes it, reporting the nodes that no longer had the key as already retired.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterService } from '../../../node/cluster.js';
import { RETIRE_CEREMONY, retireCeremony } from '../../../node/ceremonies/retire.js';
import type { NodeServices, PartyNode } from '../../../node/daemon.js';
import { createSoftwareSeal, generateSalt, type SoftwareSeal } from '../../../node/hsm/software-seal.js';
import { DecodedCache } from '../../../node/keys/decoded-cache.js';
import { KeyVault } from '../../../node/keys/key-vault.js';
import { SessionManager, type CeremonyHandler } from '../../../node/sessions/manager.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';
import { openSealedRecordStore, type SealedRecordStore } from '../../../node/store/sealed-store.js';
import { InvalidInputError, ProtocolAbort, TransportError, type PartyId } from '../../../protocols/errors.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import { LoopbackNetwork } from '../../helpers/loopback-network.js';

const MEMBERS = [1, 2, 3, 4];
const HOLDERS = [1, 2, 3];
const bytes = (s: string) => new TextEncoder().encode(s);

interface TestNode {
  id: PartyId;
  vault: KeyVault;
  sealed: SealedRecordStore;
  decoded: DecodedCache;
  logs: { obj: Record<string, unknown>; msg: string }[];
  sessions: SessionManager;
  cluster: ClusterService;
}

let seal: SoftwareSeal;
beforeAll(async () => {
  seal = await createSoftwareSeal({ passphrase: 'retire test passphrase', salt: generateSalt() });
});
afterAll(async () => seal.close());

/** Four members; node 4 drives ceremonies but is no signing approver of the others. */
async function cluster(): Promise<{ nodes: Map<PartyId, TestNode>; network: LoopbackNetwork }> {
  const network = new LoopbackNetwork();
  const identities = new SimulatedIdentities(MEMBERS);
  const members = new Map(MEMBERS.map((p) => [p, `peer-${p}`]));
  const nodes = new Map<PartyId, TestNode>();
  for (const id of MEMBERS) {
    const sealed = await openSealedRecordStore(new MemoryKeyValueStore(), seal);
    const logs: TestNode['logs'] = [];
    const log = (obj: object, msg: string) => void logs.push({ obj: obj as Record<string, unknown>, msg });
    const logger = { debug: log, info: log, warn: log, error: log };
    const vault = new KeyVault(sealed);
    const decoded = new DecodedCache();
    const config = { id, members: MEMBERS.map((m) => ({ id: m })), signingApprovers: [1, 2, 3] };
    const services = { config, vault, decoded, logger, members } as unknown as NodeServices;
    const sessions = new SessionManager({
      self: id,
      members,
      transport: network.transport(`peer-${id}`),
      auth: identities.authenticator(id),
      handlers: { [RETIRE_CEREMONY]: retireCeremony(services) as CeremonyHandler<never> },
      roundTimeoutMs: 300,
      logger,
    });
    sessions.start();
    const node = { services, sessions } as unknown as PartyNode;
    nodes.set(id, { id, vault, sealed, decoded, logs, sessions, cluster: new ClusterService(node, {}) });
  }
  return { nodes, network };
}

/** An active key on `holders`, with aux info and a presignature, as keygen, aux and presigning leave it. */
async function holdKey(nodes: Map<PartyId, TestNode>, keyId: string, holders = HOLDERS): Promise<void> {
  for (const p of holders) {
    const { vault } = nodes.get(p)!;
    await vault.createPending({ keyId, protocol: 'cggmp21', threshold: 2, parties: holders, publicKey: '02'.padEnd(66, 'b') }, bytes(`share-${keyId}-${p}`), 'kg');
    await vault.markAcknowledged(keyId, 0);
    await vault.activate(keyId, 0);
    await vault.putAux(keyId, 0, bytes(`aux-${p}`));
    await vault.addPresignature(keyId, 0, `presig-${p}`, bytes(`presig-${p}`));
  }
}

async function holds(node: TestNode, keyId: string): Promise<boolean> {
  return (await node.vault.get(keyId)) !== undefined;
}

/** Nothing of the key left on the node: record, index entry, every sealed share/aux generation, presignatures. */
async function expectErased(node: TestNode, keyId: string): Promise<void> {
  expect(await node.vault.get(keyId)).toBeUndefined();
  expect(await node.vault.keyIds()).not.toContain(keyId);
  expect(await node.sealed.generations(`share/${keyId}`)).toEqual([]);
  expect(await node.sealed.generations(`aux/${keyId}`)).toEqual([]);
  expect(await node.sealed.generations(`presig/${keyId}/presig-${node.id}`)).toEqual([]);
  expect(await node.vault.listPresignatures(keyId)).toEqual([]);
}

describe('key-retire ceremony', () => {
  let nodes: Map<PartyId, TestNode>;
  let network: LoopbackNetwork;
  beforeEach(async () => {
    ({ nodes, network } = await cluster());
  });
  afterEach(() => {
    for (const n of nodes.values()) n.sessions.stop();
  });
  const node = (id: PartyId) => nodes.get(id)!;

  it('every holder erases share, aux, presignatures, record and index entry; other keys are untouched; each logs it', async () => {
    await holdKey(nodes, 'old-key');
    await holdKey(nodes, 'kept-key');
    const result = await node(1).cluster.retire('old-key');
    expect(result).toMatchObject({ keyId: 'old-key', retired: [1, 2, 3], alreadyRetired: [] });
    for (const p of HOLDERS) {
      await expectErased(node(p), 'old-key');
      expect(await node(p).vault.share('kept-key', 0)).toEqual(bytes(`share-kept-key-${p}`));
      expect(node(p).logs).toContainEqual({ obj: { keyId: 'old-key', sessionId: result.sessionId, initiator: 1 }, msg: expect.stringMatching(/^key retired/) });
    }
    // Node 4 held nothing and was not asked: the holders come from the driver's record.
    expect(node(4).logs.some((l) => l.obj.sessionId === result.sessionId)).toBe(false);
  });

  it('holder offline: the ceremony times out naming it and no node erases anything; once it is back the retry succeeds', async () => {
    await holdKey(nodes, 'offline-key');
    network.down.add('peer-3');
    const failure = await node(1).cluster.retire('offline-key').catch((e) => e);
    // Whichever holder's round deadline fires first reports it: the driver itself, or another holder's abort.
    expect(failure instanceof TransportError ? failure.parties : (failure as ProtocolAbort).culprits).toEqual([3]);
    expect((failure as Error).message).toMatch(/timed out in round 1 .* waiting for party 3/);
    await new Promise((r) => setTimeout(r, 50));
    for (const p of HOLDERS) expect(await node(p).vault.share('offline-key', 0)).toEqual(bytes(`share-offline-key-${p}`));
    network.down.delete('peer-3');
    expect((await node(1).cluster.retire('offline-key')).retired).toEqual([1, 2, 3]);
    for (const p of HOLDERS) await expectErased(node(p), 'offline-key');
  });

  it('re-run after an interrupted retirement (node 3 acknowledged, then crashed before erasing) finishes it from any node', async () => {
    await holdKey(nodes, 'interrupted');
    // What the first run left: nodes 1 and 2 got every acknowledgement and erased; node 3 still holds its share.
    await node(1).vault.retire('interrupted');
    await node(2).vault.retire('interrupted');
    // Node 2 no longer knows the committee, so it asks every member; those without the key answer "already retired".
    const rerun = await node(2).cluster.retire('interrupted');
    expect(rerun).toMatchObject({ retired: [3], alreadyRetired: [1, 2, 4] });
    await expectErased(node(3), 'interrupted');
    expect(node(1).logs).toContainEqual({ obj: { keyId: 'interrupted', sessionId: rerun.sessionId, initiator: 2 }, msg: expect.stringMatching(/already retired/) });
    // And once more: nothing left anywhere is still a success.
    expect(await node(3).cluster.retire('interrupted')).toMatchObject({ retired: [], alreadyRetired: [1, 2, 3, 4] });
  });

  it('pending generation (reshare in progress): the driver refuses before any session, a holder refuses in the session', async () => {
    await holdKey(nodes, 'resharing');
    for (const p of HOLDERS) await node(p).vault.stage('resharing', { generation: 1, threshold: 2, parties: HOLDERS, stagedBy: 'reshare-1' }, bytes(`next-${p}`));
    await expect(node(1).cluster.retire('resharing')).rejects.toMatchObject({ code: 'generation_pending', message: expect.stringMatching(/generation 1 pending/) });
    // Node 1 dropped its pending generation, node 2 did not: node 2 refuses, so nobody erases.
    await node(1).vault.discardPending('resharing');
    const failure = await node(1).cluster.retire('resharing').catch((e) => e);
    expect(failure).toBeInstanceOf(ProtocolAbort);
    expect((failure as Error).message).toMatch(/party 2 aborted: .*generation 1 pending/);
    await new Promise((r) => setTimeout(r, 50));
    for (const p of HOLDERS) expect(await holds(node(p), 'resharing')).toBe(true);
  });

  it('a session that leaves out a holder is refused by every holder that knows it: nothing erased', async () => {
    await holdKey(nodes, 'partial');
    const failure = await node(1).sessions.run(RETIRE_CEREMONY, [1, 2], { keyId: 'partial' }).catch((e) => e);
    expect(failure).toBeInstanceOf(InvalidInputError);
    expect(failure).toMatchObject({ code: 'holders_missing', message: expect.stringMatching(/leaves out 3/) });
    const fromTwo = await node(2).sessions.run(RETIRE_CEREMONY, [1, 2], { keyId: 'partial' }).catch((e) => e);
    expect(fromTwo).toBeInstanceOf(InvalidInputError);
    await new Promise((r) => setTimeout(r, 50));
    for (const p of HOLDERS) expect(await holds(node(p), 'partial')).toBe(true);
  });

  it('an initiator that is no signing approver of the holders cannot retire their keys', async () => {
    await holdKey(nodes, 'guarded');
    const failure = await node(4).sessions.run(RETIRE_CEREMONY, HOLDERS, { keyId: 'guarded' }).catch((e) => e);
    expect(failure).toBeInstanceOf(ProtocolAbort);
    expect((failure as Error).message).toMatch(/party 4 may not retire keys/);
    await new Promise((r) => setTimeout(r, 50));
    for (const p of HOLDERS) expect(await holds(node(p), 'guarded')).toBe(true);
  });

  it('bad key ids are refused before anything runs', async () => {
    await expect(node(1).cluster.retire('../etc')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(node(1).sessions.run(RETIRE_CEREMONY, HOLDERS, { keyId: 'bad id' })).rejects.toBeInstanceOf(InvalidInputError);
  });
});
