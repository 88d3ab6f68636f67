/**
 * FROST across three real node processes over libp2p (TCP + Noise + Yamux): keygen through the coordinator
 * CLI, signing with every 2-of-3 quorum, independent verification, a killed node, a restart, and retiring keys
 * through the CLI (with every holder up, and with one stopped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ecc from 'tiny-secp256k1';
import { secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { randomBytes } from 'node:crypto';
import { runCli, startTestnet, type TestnetHandle } from '../../helpers/testnet.js';

type SignResult = { signature: string; signers: number[]; publicKey: string };

describe('FROST on a 3-node testnet', () => {
  let net: TestnetHandle;
  let taprootKey: { keyId: string; publicKey: string };
  let plainKey: { keyId: string; publicKey: string };

  beforeAll(async () => {
    net = await startTestnet(3, { roundTimeoutMs: 4_000 });
  }, 240_000);
  afterAll(async () => net?.close(), 60_000);

  it('coord keygen creates a frost-taproot and a frost key held by all three nodes', async () => {
    const taproot = await runCli(['coord', 'keygen', '--testnet', net.fileName, '--protocol', 'frost-taproot', '--threshold', '2', '--parties', '1,2,3']);
    expect(taproot.code, taproot.stderr).toBe(0);
    expect(taproot.json).toMatchObject({ protocol: 'frost-taproot', threshold: 2, parties: [1, 2, 3], generation: 0 });
    expect(taproot.json.publicKey).toMatch(/^[0-9a-f]{64}$/);
    taprootKey = taproot.json as typeof taprootKey;
    plainKey = await net.call(2, 'POST', '/v1/keygen', { protocol: 'frost', threshold: 2, parties: [1, 2, 3] });
    expect(plainKey.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    for (const id of [1, 2, 3]) {
      const record = await net.call<{ publicKey: string }>(id, 'GET', `/v1/keys/${taprootKey.keyId}`);
      expect(record.publicKey).toBe(taprootKey.publicKey);
    }
  }, 120_000);

  it('every 2-of-3 quorum signs; BIP-340 signatures verify with libsecp256k1 and plain FROST with the RFC 9591 verifier', async () => {
    for (const signers of [[1, 2], [1, 3], [2, 3]]) {
      const message = randomBytes(32);
      const bip340 = await net.call<SignResult>(signers[0]!, 'POST', '/v1/sign', { keyId: taprootKey.keyId, hash: message.toString('hex'), signers });
      expect(bip340.signers).toEqual(signers);
      expect(ecc.verifySchnorr(message, Buffer.from(taprootKey.publicKey, 'hex'), Buffer.from(bip340.signature, 'hex'))).toBe(true);
      expect(ecc.verifySchnorr(randomBytes(32), Buffer.from(taprootKey.publicKey, 'hex'), Buffer.from(bip340.signature, 'hex'))).toBe(false);
      const plain = await net.call<SignResult>(signers[1]!, 'POST', '/v1/sign', { keyId: plainKey.keyId, hash: message.toString('hex'), signers });
      expect(secp256k1_FROST.verify(Buffer.from(plain.signature, 'hex'), message, Buffer.from(plainKey.publicKey, 'hex'))).toBe(true);
    }
  }, 120_000);

  it('coord sign through the CLI prints the signature as JSON', async () => {
    const hash = randomBytes(32).toString('hex');
    const result = await runCli(['coord', 'sign', '--testnet', net.fileName, '--key', taprootKey.keyId, '--hash', hash, '--signers', '2,3']);
    expect(result.code, result.stderr).toBe(0);
    expect(ecc.verifySchnorr(Buffer.from(hash, 'hex'), Buffer.from(taprootKey.publicKey, 'hex'), Buffer.from(result.json.signature as string, 'hex'))).toBe(true);
  }, 60_000);

  it('bad CLI input exits 2 with a clear error', async () => {
    const result = await runCli(['coord', 'keygen', '--testnet', net.fileName, '--protocol', 'frost', '--threshold', '4', '--parties', '1,2,3']);
    expect(result.code).toBe(2);
    expect((result.json.error as { message: string }).message).toMatch(/threshold/);
  }, 60_000);

  it('kill -9 a signer: the session fails within its deadline naming it; the other quorum signs; after a restart it signs again', async () => {
    net.testnet.kill(3);
    const started = Date.now();
    const failure = await net.call(1, 'POST', '/v1/sign', { keyId: taprootKey.keyId, hash: randomBytes(32).toString('hex'), signers: [1, 3] }).catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { parties?: number[] }).parties).toEqual([3]);
    expect(Date.now() - started).toBeLessThan(15_000);
    const message = randomBytes(32);
    const ok = await net.call<SignResult>(1, 'POST', '/v1/sign', { keyId: taprootKey.keyId, hash: message.toString('hex'), signers: [1, 2] });
    expect(ecc.verifySchnorr(message, Buffer.from(taprootKey.publicKey, 'hex'), Buffer.from(ok.signature, 'hex'))).toBe(true);
    await net.testnet.restart(3);
    const again = await net.call<SignResult>(3, 'POST', '/v1/sign', { keyId: taprootKey.keyId, hash: message.toString('hex'), signers: [1, 3] });
    expect(ecc.verifySchnorr(message, Buffer.from(taprootKey.publicKey, 'hex'), Buffer.from(again.signature, 'hex'))).toBe(true);
  }, 240_000);

  it('exports Prometheus metrics: sessions by ceremony and outcome, aborts by reason, round latency', async () => {
    const node = net.node(1);
    const res = await fetch(`${node.controlUrl}/metrics`, { headers: { authorization: `Bearer ${node.token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/luxkms_sessions_total\{ceremony="frost-sign",outcome="completed"\} [1-9]/);
    expect(text).toMatch(/luxkms_aborts_total\{ceremony="frost-sign",reason="(timeout|transport)"\} [1-9]/);
    expect(text).toMatch(/luxkms_round_seconds_count\{ceremony="frost-keygen"\} [1-9]/);
    expect((await fetch(`${node.controlUrl}/metrics`)).status).toBe(401);
  });

  it('coord retire: every node erases its share, none lists the key, signing fails with key_not_found; a re-run reports "already retired"', async () => {
    const retire = () => runCli(['coord', 'retire', '--testnet', net.fileName, '--key', plainKey.keyId]);
    const retired = await retire();
    expect(retired.code, retired.stderr).toBe(0);
    expect(retired.json).toMatchObject({ keyId: plainKey.keyId, retired: [1, 2, 3], alreadyRetired: [] });
    for (const id of [1, 2, 3]) {
      const { keys } = await net.call<{ keys: { keyId: string }[] }>(id, 'GET', '/v1/keys');
      expect(keys.map((k) => k.keyId)).not.toContain(plainKey.keyId);
      expect(keys.map((k) => k.keyId)).toContain(taprootKey.keyId);
    }
    const sign = await runCli(['coord', 'sign', '--testnet', net.fileName, '--key', plainKey.keyId, '--hash', randomBytes(32).toString('hex')]);
    expect(sign.code).toBe(2);
    expect(sign.json.error).toMatchObject({ code: 'key_not_found', message: expect.stringContaining(plainKey.keyId) });
    const again = await retire();
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ retired: [], alreadyRetired: [1, 2, 3] });
  }, 60_000);

  it('coord retire with a holder stopped exits 3 naming it and erases nothing; after its restart the retry retires the key', async () => {
    await net.testnet.stopNode(3);
    try {
      const failed = await runCli(['coord', 'retire', '--testnet', net.fileName, '--key', taprootKey.keyId]);
      expect(failed.code).toBe(3);
      // Whichever holder's round deadline fires first reports it: the driver itself, or another holder's abort.
      expect((failed.json.error as { message: string }).message).toMatch(/timed out in round 1 .* waiting for party 3/);
      for (const id of [1, 2]) expect((await net.call<{ keyId: string }>(id, 'GET', `/v1/keys/${taprootKey.keyId}`)).keyId).toBe(taprootKey.keyId);
    } finally {
      await net.testnet.restart(3);
    }
    // As an operator would: retry once the other holders see node 3 again (their redial can lag its start).
    for (const id of [1, 2]) {
      const deadline = Date.now() + 15_000;
      while (!(await net.call<{ members: { connected: boolean }[] }>(id, 'GET', '/v1/status')).members.every((m) => m.connected) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const retired = await runCli(['coord', 'retire', '--testnet', net.fileName, '--key', taprootKey.keyId]);
    expect(retired.code, retired.stderr).toBe(0);
    expect(retired.json).toMatchObject({ retired: [1, 2, 3] });
    for (const id of [1, 2, 3]) await expect(net.call(id, 'GET', `/v1/keys/${taprootKey.keyId}`)).rejects.toMatchObject({ code: 'key_not_found' });
  }, 90_000);
});
