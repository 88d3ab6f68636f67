/**
 * Threshold protection with a small in-process ThresholdSigner standing in for the party cluster (the end-to-end
 * CGGMP21 path across nodes is tested with the cluster itself). It checks what the gateway adds: the committee
 * it asks for, one signing ceremony per request on the digest, and low-s + recovery normalisation of what comes back.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, recoverAddress, Signature } from 'ethers';
import * as tinysecp from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import type { ThresholdSigner } from '../../../api/engines/keys/threshold.js';
import { TransportError } from '../../../protocols/errors.js';
import type { ClusterService } from '../../../node/cluster.js';
import { keysService } from './service-harness.js';

// Compile-time: the node's cluster client is a ThresholdSigner as it is, so the gateway can be handed it directly.
const clusterIsSigner = (cluster: ClusterService): ThresholdSigner => cluster;
void clusterIsSigner;

/** Holds each key's secret whole (unlike the cluster) and answers with the high-s twin, as a careless signer might. */
function fakeCluster(members = [1, 2, 3]) {
  const secrets = new Map<string, Uint8Array>();
  const calls: { keygen: unknown[]; sign: { keyId: string; digest: Uint8Array }[]; retire: string[] } = { keygen: [], sign: [], retire: [] };
  /** While set, retirement fails as the cluster does when a holder is offline: nothing is erased. */
  const outage: { offline?: number } = {};
  const signer: ThresholdSigner = {
    status: () => ({ members: members.map((id) => ({ id })) }),
    async keygen(request) {
      calls.keygen.push(request);
      const secret = secp256k1.utils.randomSecretKey();
      const keyId = `cggmp21-${secrets.size + 1}`;
      secrets.set(keyId, secret);
      return { keyId, publicKey: Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex'), threshold: request.threshold, parties: request.parties };
    },
    async sign(request) {
      calls.sign.push(request);
      const secret = secrets.get(request.keyId)!;
      const low = secp256k1.Signature.fromBytes(secp256k1.sign(request.digest, secret, { prehash: false }), 'compact');
      const high = new secp256k1.Signature(low.r, secp256k1.Point.Fn.neg(low.s));
      return { signature: high.toHex('compact'), publicKey: Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex') };
    },
    async retire(keyId) {
      calls.retire.push(keyId);
      if (outage.offline !== undefined) throw new TransportError(`session key-retire-1 timed out waiting for party ${outage.offline}`, [outage.offline], 'session_timeout');
      const held = secrets.delete(keyId);
      return held ? { retired: members, alreadyRetired: [] } : { retired: [], alreadyRetired: members };
    },
  };
  return { signer, calls, secrets, outage };
}

describe('threshold keys', () => {
  it('ECDSA_SECP256K1 defaults to threshold on a 2-of-3 committee of all members', async () => {
    const { signer, calls } = fakeCluster();
    const { keys } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', usage: ['sign', 'verify'] });
    expect(key).toMatchObject({ protection: 'threshold', threshold: { threshold: 2, parties: [1, 2, 3] } });
    expect(calls.keygen).toEqual([{ protocol: 'cggmp21', threshold: 2, parties: [1, 2, 3] }]);
    expect(key.versions[0]!.publicKeyHex).toMatch(/^0[23][0-9a-f]{64}$/);
  });

  it('signs a transaction hash in one ceremony on that digest; the result is low-s with a recovery bit ethers accepts', async () => {
    const { signer, calls } = fakeCluster();
    const { keys } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', threshold: { threshold: 3 } });
    const hash = Buffer.alloc(32, 0xab);
    const sig = await keys.sign({ environment: 'production', keyId: key.id, message: hash.toString('base64'), algorithm: 'ECDSA_SHA256' });
    expect(calls.sign).toHaveLength(1);
    expect(Buffer.from(calls.sign[0]!.digest)).toEqual(hash);
    expect(sig.messageType).toBe('DIGEST');
    const pub = Buffer.from(key.versions[0]!.publicKeyHex!, 'hex');
    expect(tinysecp.verify(hash, pub, Buffer.from(sig.signature, 'hex'), true)).toBe(true);
    const address = recoverAddress('0x' + hash.toString('hex'), Signature.from({ r: '0x' + sig.signature.slice(0, 64), s: '0x' + sig.signature.slice(64), v: 27 + sig.recovery! }));
    expect(address).toBe(computeAddress('0x' + key.versions[0]!.publicKeyHex!));
    // Verification needs only the public key: no second ceremony.
    expect((await keys.verify({ environment: 'production', keyId: key.id, message: hash.toString('base64'), signature: sig.signature })).valid).toBe(true);
    expect(calls.sign).toHaveLength(1);
  });

  it('rotation runs a new keygen on the same committee; the old version keeps verifying', async () => {
    const { signer, calls } = fakeCluster([1, 2, 3, 4]);
    const { keys } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', threshold: { threshold: 3, parties: [4, 2, 1] } });
    const message = Buffer.from('m').toString('base64');
    const old = await keys.sign({ environment: 'production', keyId: key.id, message });
    const rotated = await keys.rotate('production', key.id);
    expect(calls.keygen).toEqual([
      { protocol: 'cggmp21', threshold: 3, parties: [1, 2, 4] },
      { protocol: 'cggmp21', threshold: 3, parties: [1, 2, 4] },
    ]);
    expect(rotated.versions[1]!.publicKeyHex).not.toBe(rotated.versions[0]!.publicKeyHex);
    expect(await keys.verify({ environment: 'production', keyId: key.id, message, signature: old.signature })).toMatchObject({ valid: true, keyVersion: 1 });
  });

  it('refuses committees the cluster cannot form, and every threshold key when there is no cluster', async () => {
    const { signer } = fakeCluster();
    const { keys } = await keysService(signer);
    const create = (threshold: { threshold?: number; parties?: number[] }) => keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', threshold });
    await expect(create({ threshold: 4 })).rejects.toMatchObject({ code: 'invalid_committee', message: '"threshold.threshold" expected integer 1..3, got 4' });
    await expect(create({ parties: [1, 9] })).rejects.toMatchObject({ code: 'invalid_committee' });
    await expect(keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', protection: 'software', threshold: { threshold: 2 } })).rejects.toMatchObject({ code: 'protection_conflict' });
    const { keys: alone } = await keysService();
    await expect(alone.create({ environment: 'production', type: 'ECDSA_SECP256K1' })).rejects.toMatchObject({ statusCode: 400, code: 'threshold_unavailable' });
  });

  it('deleting a threshold key retires every version\'s cluster key, and only then tombstones it', async () => {
    const { signer, calls, secrets } = fakeCluster();
    const { keys, clock } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1' });
    await keys.rotate('production', key.id);
    const clusterKeys = [...secrets.keys()];
    expect(clusterKeys).toHaveLength(2);
    await keys.scheduleDeletion('production', key.id, '7d');
    clock.now += 7 * 86_400_000;
    await keys.maintain('production', key.id, async () => undefined);
    expect(calls.retire.sort()).toEqual([...clusterKeys].sort());
    expect(secrets.size).toBe(0);
    expect((await keys.get('production', key.id)).state).toBe('deleted');
  });

  it('holder offline during deletion: no tombstone, a threshold_retire_failed error naming the party, and the retry finishes it', async () => {
    const { signer, outage, secrets } = fakeCluster();
    const { keys, clock } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1' });
    await keys.scheduleDeletion('production', key.id, '7d');
    clock.now += 7 * 86_400_000;
    outage.offline = 3;
    const failure = await keys.maintain('production', key.id, async () => undefined).catch((e) => e);
    expect(failure).toMatchObject({ statusCode: 503, code: 'threshold_retire_failed' });
    expect(failure.message).toMatch(/party 3/);
    expect((await keys.get('production', key.id)).state).toBe('pending_deletion');
    expect(secrets.size).toBe(1);
    delete outage.offline;
    await keys.maintain('production', key.id, async () => undefined);
    expect((await keys.get('production', key.id)).state).toBe('deleted');
    expect(secrets.size).toBe(0);
  });

  it('an expiring version retires only its own cluster key; the current version keeps signing', async () => {
    const { signer, calls, secrets } = fakeCluster();
    const { keys, clock } = await keysService(signer);
    const key = await keys.create({ environment: 'production', type: 'ECDSA_SECP256K1', versionExpiry: '1d' });
    const [first] = [...secrets.keys()];
    await keys.rotate('production', key.id);
    clock.now += 86_400_000;
    await keys.maintain('production', key.id, async () => undefined);
    expect(calls.retire).toEqual([first]);
    expect((await keys.get('production', key.id)).versions.map((v) => v.state)).toEqual(['destroyed', 'active']);
    await keys.sign({ environment: 'production', keyId: key.id, message: Buffer.alloc(32, 1).toString('base64'), algorithm: 'ECDSA_SHA256' });
  });
});
