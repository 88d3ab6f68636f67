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
import type { ClusterService } from '../../../node/cluster.js';
import { keysService } from './service-harness.js';

// Compile-time: the node's cluster client is a ThresholdSigner as it is, so the gateway can be handed it directly.
const clusterIsSigner = (cluster: ClusterService): ThresholdSigner => cluster;
void clusterIsSigner;

/** Holds each key's secret whole (unlike the cluster) and answers with the high-s twin, as a careless signer might. */
function fakeCluster(members = [1, 2, 3]) {
  const secrets = new Map<string, Uint8Array>();
  const calls: { keygen: unknown[]; sign: { keyId: string; digest: Uint8Array }[] } = { keygen: [], sign: [] };
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
  };
  return { signer, calls };
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
});
