/**
 * Deleting MPC wallets through the SDK and a real gateway, with the in-process cluster stand-in: the key is retired on
 * the cluster before the wallet is tombstoned, an unreachable holder keeps the wallet intact for a retry, and access
 * control and the audit log cover the delete like every other wallet operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Harness } from '../../integration/api/gateway-harness.js';
import type { LuxKMS } from '../../../api/sdk/index.js';
import type { LocalCluster } from './local-cluster.js';
import { startMpcGateway } from './mpc-gateway.js';

const hash = () => randomBytes(32).toString('hex');

describe('deleting MPC wallets', () => {
  let h: Harness;
  let cluster: LocalCluster;
  let kms: LuxKMS;

  beforeAll(async () => ({ h, cluster, kms } = await startMpcGateway()));
  afterAll(async () => h?.close());

  it('delete retires the key on the cluster, then the wallet is gone: read and signing answer 410, the list omits it', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'bitcoin-regtest', threshold: 2, parties: 3, id: 'retiring-taproot' });
    await kms.mpc.signHash({ walletId: wallet.id, hash: hash() });
    await kms.mpc.delete(wallet.id);
    expect(cluster.keys.has(wallet.id)).toBe(false);
    await expect(kms.mpc.get(wallet.id)).rejects.toMatchObject({ status: 410, code: 'wallet_deleted' });
    const signCalls = cluster.signCalls;
    await expect(kms.mpc.signHash({ walletId: wallet.id, hash: hash() })).rejects.toMatchObject({ status: 410, code: 'wallet_deleted' });
    await expect(kms.mpc.sign({ walletId: wallet.id, transaction: { inputs: [{ txid: hash(), vout: 0, value: 10_000n }], outputs: [{ address: wallet.address, value: 9_000 }] } })).rejects.toMatchObject({ status: 410 });
    expect(cluster.signCalls).toBe(signCalls);
    expect((await kms.mpc.list()).wallets.map((w) => w.id)).not.toContain(wallet.id);
    const audit = await kms.audit.list({ keyId: wallet.id, actions: ['delete'] });
    expect(audit.records.at(-1)).toMatchObject({ result: 'allowed', resource: `key:${wallet.id}` });
  });

  it('a deleted wallet\'s id is never reused, and deleting it again succeeds without another ceremony', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3, id: 'retired-twice' });
    await kms.mpc.delete(wallet.id);
    await kms.mpc.delete(wallet.id);
    await expect(kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3, id: 'retired-twice' })).rejects.toMatchObject({ status: 409, code: 'wallet_exists' });
    await expect(kms.mpc.delete('never-existed')).rejects.toMatchObject({ status: 404, code: 'wallet_not_found' });
  });

  it('holder offline: 503 naming it, the wallet stays and still signs with the other two; once it is back the retry deletes', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'polygon', threshold: 2, parties: 3, id: 'retire-offline' });
    cluster.down.add(3);
    try {
      const failure = await kms.mpc.delete(wallet.id).catch((e) => e);
      expect(failure).toMatchObject({ status: 503, code: 'cluster_unavailable' });
      expect(failure.message).toMatch(/parties 3/);
      expect(cluster.keys.has(wallet.id)).toBe(true);
      expect((await kms.mpc.get(wallet.id)).id).toBe(wallet.id);
      expect((await kms.mpc.signHash({ walletId: wallet.id, hash: hash() })).signers).toEqual([1, 2]);
    } finally {
      cluster.down.delete(3);
    }
    await kms.mpc.delete(wallet.id);
    expect(cluster.keys.has(wallet.id)).toBe(false);
  });

  it('a caller allowed to sign but not to delete is refused (403) and the key stays on the cluster', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3, id: 'treasury-keep' });
    await kms.policies.create({ name: 'signer-only', rules: [{ action: 'sign', resource: 'key:treasury-*' }, { action: 'read', resource: 'key:*' }] });
    const signer = h.client((await kms.apiKeys.create({ name: 'signer-only', environments: ['production'], policies: ['signer-only'] })).apiKey);
    await expect(signer.mpc.delete(wallet.id)).rejects.toMatchObject({ status: 403 });
    expect(cluster.keys.has(wallet.id)).toBe(true);
    expect((await signer.mpc.get(wallet.id)).id).toBe(wallet.id);
  });

  it('key retired by an operator outside the gateway: listing still works, signing is refused, delete then tombstones it', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3, id: 'operator-retired' });
    await cluster.retire(wallet.id);
    expect((await kms.mpc.list({ limit: 100 })).wallets.map((w) => w.id)).toContain(wallet.id);
    await expect(kms.mpc.signHash({ walletId: wallet.id, hash: hash() })).rejects.toMatchObject({ status: 400, code: 'key_not_found' });
    await kms.mpc.delete(wallet.id);
    await expect(kms.mpc.get(wallet.id)).rejects.toMatchObject({ status: 410 });
  });
});
