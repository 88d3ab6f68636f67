/**
 * LSS resharing across five real node processes: a 2-of-3 key moves to 3-of-5 (ECDSA with fresh aux info for the
 * new parties, and BIP-340/Taproot FROST), keeps its public key, signs with new quorums, and the coordinator CLI
 * drives it. A node killed mid-reshare leaves generation k active and signing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ecc from 'tiny-secp256k1';
import { computeAddress, recoverAddress, Signature } from 'ethers';
import { randomBytes } from 'node:crypto';
import { runCli, startTestnet, type TestnetHandle } from '../../helpers/testnet.js';

type SignResult = { signature: string; r: string; s: string; recovery: number };
type KeyResult = { keyId: string; publicKey: string; threshold: number; parties: number[]; generation: number };

describe('LSS reshare on a 5-node testnet', () => {
  let net: TestnetHandle;

  beforeAll(async () => {
    net = await startTestnet(5, { roundTimeoutMs: 90_000 });
  }, 300_000);
  afterAll(async () => net?.close(), 60_000);

  it('frost-taproot 2-of-3 → 3-of-5 through the coordinator CLI keeps the key; every sampled new quorum signs', async () => {
    const key = await net.call<KeyResult>(1, 'POST', '/v1/keygen', { protocol: 'frost-taproot', threshold: 2, parties: [1, 2, 3] });
    const reshared = await runCli(['coord', 'reshare', '--testnet', net.fileName, '--key', key.keyId, '--parties', '1,2,3,4,5', '--threshold', '3']);
    expect(reshared.code, reshared.stderr).toBe(0);
    expect(reshared.json).toMatchObject({ keyId: key.keyId, publicKey: key.publicKey, threshold: 3, parties: [1, 2, 3, 4, 5], generation: 1 });
    for (const signers of [[3, 4, 5], [1, 2, 5], [2, 4, 5]]) {
      const message = randomBytes(32);
      const sig = await net.call<SignResult>(signers[0]!, 'POST', '/v1/sign', { keyId: key.keyId, hash: message.toString('hex'), signers });
      expect(ecc.verifySchnorr(message, Buffer.from(key.publicKey, 'hex'), Buffer.from(sig.signature, 'hex'))).toBe(true);
    }
    const tooFew = await net.call(4, 'POST', '/v1/sign', { keyId: key.keyId, hash: randomBytes(32).toString('hex'), signers: [4, 5] }).catch((e) => e);
    expect((tooFew as Error).message).toMatch(/at least 3/);
  }, 600_000);

  it('cggmp21 2-of-3 → 3-of-5: new parties get aux info and sign under the original address', async () => {
    const key = await net.call<KeyResult>(1, 'POST', '/v1/keygen', { protocol: 'cggmp21', threshold: 2, parties: [1, 2, 3] });
    const reshared = await net.call<KeyResult>(2, 'POST', '/v1/reshare', { keyId: key.keyId, parties: [1, 2, 3, 4, 5], threshold: 3 });
    expect(reshared).toMatchObject({ publicKey: key.publicKey, threshold: 3, generation: 1 });
    const digest = randomBytes(32);
    const sig = await net.call<SignResult>(4, 'POST', '/v1/sign', { keyId: key.keyId, hash: digest.toString('hex'), signers: [3, 4, 5] });
    expect(ecc.verify(digest, Buffer.from(key.publicKey, 'hex'), Buffer.from(sig.signature, 'hex'), true)).toBe(true);
    const recovered = recoverAddress(digest, Signature.from({ r: '0x' + sig.r, s: '0x' + sig.s, v: 27 + sig.recovery }));
    expect(recovered).toBe(computeAddress('0x' + key.publicKey));
  }, 900_000);

  it('a node killed mid-reshare: the reshare fails, generation k stays active and still signs', async () => {
    const key = await net.call<KeyResult>(1, 'POST', '/v1/keygen', { protocol: 'frost-taproot', threshold: 2, parties: [1, 2, 3] });
    net.testnet.kill(5);
    const failed = await net.call(1, 'POST', '/v1/reshare', { keyId: key.keyId, parties: [1, 2, 3, 4, 5], threshold: 3 }).catch((e) => e);
    expect(failed).toBeInstanceOf(Error);
    for (const id of [1, 2, 3]) {
      const record = await net.call<KeyResult & { pending?: unknown }>(id, 'GET', `/v1/keys/${key.keyId}`);
      expect(record.generation).toBe(0);
      expect(record.pending).toBeUndefined();
    }
    const message = randomBytes(32);
    const sig = await net.call<SignResult>(2, 'POST', '/v1/sign', { keyId: key.keyId, hash: message.toString('hex'), signers: [2, 3] });
    expect(ecc.verifySchnorr(message, Buffer.from(key.publicKey, 'hex'), Buffer.from(sig.signature, 'hex'))).toBe(true);
    await net.testnet.restart(5);
  }, 600_000);
});
