/**
 * The MPC wallets engine through the SDK against a real gateway over HTTP, with an in-process signer behind
 * the cluster interface: wallets on EVM and Bitcoin, signed transactions parsed by ethers and btc-signer,
 * policies (maxAmount before any signing, no leaks to callers without rights), outages and the OpenAPI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';
import { computeAddress, getAddress, Interface, Transaction as EvmTx } from 'ethers';
import { SigHash, TEST_NETWORK, p2wpkh, Transaction as BtcTx } from '@scure/btc-signer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { startHarness, type Harness } from '../../integration/api/gateway-harness.js';
import type { LuxKMS } from '../../../api/sdk/index.js';
import type { LocalCluster } from './local-cluster.js';
import { startMpcGateway } from './mpc-gateway.js';

const erc20 = new Interface(['function transfer(address,uint256)']);
const recipient = () => getAddress('0x' + randomBytes(20).toString('hex'));
const fees = { nonce: 0, gasLimit: 65_000, maxFeePerGas: 40_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n };

describe('MPC wallets over the gateway', () => {
  let h: Harness;
  let cluster: LocalCluster;
  let kms: LuxKMS;

  beforeAll(async () => ({ h, cluster, kms } = await startMpcGateway()));
  afterAll(async () => h?.close());

  async function clientWithPolicy(name: string, rules: unknown[]): Promise<LuxKMS> {
    await kms.policies.create({ name, rules } as Parameters<typeof kms.policies.create>[0]);
    return h.client((await kms.apiKeys.create({ name, environments: ['production'], policies: [name] })).apiKey);
  }

  it('the brief\'s call: a 2-of-3 Polygon USDC wallet whose EIP-55 address is that of its public key', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3 });
    expect(wallet).toMatchObject({ chain: 'polygon', currency: 'USDC', decimals: 6, chainId: 137, protocol: 'cggmp21', threshold: 2, parties: 3, partyIds: [1, 2, 3] });
    expect(wallet.tokenContract).toBe('0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359');
    expect(wallet.address).toBe(computeAddress('0x' + wallet.publicKey));
    expect(wallet.generation).toBe(0);
    expect(await kms.mpc.get(wallet.id)).toEqual(wallet);
    expect((await kms.mpc.list()).wallets.map((w) => w.id)).toContain(wallet.id);
  });

  it('EIP-1559 USDC transfer: ethers parses it, its sender is the wallet, it calls transfer(to, amount) on the token', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3, id: 'treasury-usdc' });
    const to = recipient();
    const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { to, value: 2_500_000n, ...fees } });
    const tx = EvmTx.from(signed.serializedTransaction!);
    expect(tx.type).toBe(2);
    expect(tx.from).toBe(wallet.address);
    expect(tx.chainId).toBe(137n);
    expect(tx.to).toBe(wallet.tokenContract);
    expect(tx.data).toBe(erc20.encodeFunctionData('transfer', [to, 2_500_000n]));
    expect(tx.hash).toBe(signed.transactionHash);
    expect(signed.amount).toEqual({ value: '2500000', currency: 'USDC', decimals: 6 });
    expect(signed.signature).toBe(tx.signature!.serialized);
  });

  it('legacy EIP-155 ETH transfer on Ethereum: v = chainId * 2 + 35 + yParity, sender recovered by ethers', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: [1, 3] });
    expect(wallet.partyIds).toEqual([1, 3]);
    const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { to: recipient(), value: '1000000000000000000', nonce: 12, gasPrice: '20000000000' } });
    const tx = EvmTx.from(signed.serializedTransaction!);
    expect(tx.type).toBe(0);
    expect(tx.from).toBe(wallet.address);
    expect(tx.gasLimit).toBe(21_000n);
    expect(signed.v).toBe(37 + signed.yParity!);
  });

  it('Bitcoin Taproot wallet: bech32m address; the signed spend parses and verifies (BIP-340) over its key-path sighash', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'bitcoin-testnet', threshold: 2, parties: 3 });
    expect(wallet).toMatchObject({ protocol: 'frost-taproot', addressType: 'taproot', currency: 'BTC' });
    expect(wallet.address).toMatch(/^tb1p/);
    const payee = p2wpkh(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true), TEST_NETWORK).address!;
    const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { inputs: [{ txid: randomBytes(32).toString('hex'), vout: 1, value: 100_000n }], to: payee, value: 60_000, fee: 400 } });
    expect(signed.amount).toEqual({ value: '60400', currency: 'BTC', decimals: 8 });
    const tx = BtcTx.fromRaw(Buffer.from(signed.serializedTransaction!, 'hex'));
    const script = tx.getOutput(1).script!;
    const sighash = tx.preimageWitnessV1(0, [script], SigHash.DEFAULT, [100_000n]);
    expect(Buffer.from(sighash).toString('hex')).toBe(signed.inputs![0]!.sighash);
    expect(ecc.verifySchnorr(sighash, Buffer.from(wallet.publicKey, 'hex'), tx.getInput(0).finalScriptWitness![0]!)).toBe(true);
  });

  it('Bitcoin SegWit wallet (CGGMP21): bech32 P2WPKH address of its key', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'bitcoin', addressType: 'segwit', threshold: 2, parties: 3 });
    expect(wallet.protocol).toBe('cggmp21');
    expect(wallet.address).toBe(p2wpkh(Buffer.from(wallet.publicKey, 'hex')).address);
  });

  it('raw-hash signing returns a low-s signature with recovery bit for the wallet key', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3 });
    const hash = randomBytes(32).toString('hex');
    const signed = await kms.mpc.signHash({ walletId: wallet.id, hash });
    expect(ecc.verify(Buffer.from(hash, 'hex'), Buffer.from(wallet.publicKey, 'hex'), Buffer.from(signed.signature, 'hex'), true)).toBe(true);
    expect(secp256k1.Signature.fromBytes(Buffer.from(signed.signature, 'hex'), 'compact').addRecoveryBit(signed.recovery!).recoverPublicKey(Buffer.from(hash, 'hex')).toHex(true)).toBe(wallet.publicKey);
  });

  describe('maxAmount', () => {
    let capped: LuxKMS;
    let walletId: string;
    beforeAll(async () => {
      walletId = (await kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3, id: 'treasury-capped' })).id;
      capped = await clientWithPolicy('treasury-signing', [{ action: 'sign', resource: 'key:treasury-*', conditions: { maxAmount: 1000 } }]);
    });

    it('over the limit: 403 naming the policy, and the cluster was never asked to sign', async () => {
      const before = cluster.signCalls;
      const denied = await capped.mpc.sign({ walletId, transaction: { to: recipient(), value: 1_000_000_001n, ...fees } }).catch((e) => e);
      expect(denied).toMatchObject({ status: 403, code: 'amount_exceeds_max' });
      expect(denied.message).toMatch(/policy "treasury-signing"/);
      expect(cluster.signCalls).toBe(before);
      const audit = await kms.audit.list({ keyId: walletId, actions: ['sign'] });
      expect(audit.records.at(-1)).toMatchObject({ result: 'denied', code: 'amount_exceeds_max', resource: `key:${walletId}` });
    });

    it('the limit is in whole USDC: exactly 1000 USDC (1000000000 base units) passes', async () => {
      const signed = await capped.mpc.sign({ walletId, transaction: { to: recipient(), value: 1_000_000_000n, ...fees } });
      expect(EvmTx.from(signed.serializedTransaction!).to).toBe('0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359');
    });

    it('caller-built ERC-20 calldata is counted by its token amount, not its zero native value', async () => {
      const data = erc20.encodeFunctionData('transfer', [recipient(), 5_000_000_000n]);
      await expect(capped.mpc.sign({ walletId, transaction: { to: '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', data, ...fees } })).rejects.toMatchObject({ status: 403, code: 'amount_exceeds_max' });
    });

    it('calldata whose value cannot be read, and raw hashes, carry no amount: refused under maxAmount', async () => {
      const before = cluster.signCalls;
      await expect(capped.mpc.sign({ walletId, transaction: { to: recipient(), data: '0xdeadbeef', ...fees } })).rejects.toMatchObject({ status: 403, code: 'amount_missing' });
      await expect(capped.mpc.signHash({ walletId, hash: randomBytes(32).toString('hex') })).rejects.toMatchObject({ status: 403, code: 'amount_missing' });
      expect(cluster.signCalls).toBe(before);
    });

    it('a caller without rights on a wallet learns nothing about it: unknown and existing wallets both 403', async () => {
      const outsider = await clientWithPolicy('other-keys', [{ action: 'sign', resource: 'key:ops-*' }]);
      const tx = { to: recipient(), value: 1n, ...fees };
      await expect(outsider.mpc.sign({ walletId: 'treasury-capped', transaction: tx })).rejects.toMatchObject({ status: 403, code: 'policy_denied' });
      await expect(outsider.mpc.sign({ walletId: 'no-such-wallet', transaction: tx })).rejects.toMatchObject({ status: 403, code: 'policy_denied' });
      await expect(kms.mpc.sign({ walletId: 'no-such-wallet', transaction: tx })).rejects.toMatchObject({ status: 404, code: 'wallet_not_found' });
    });
  });

  it('a 2-of-3 wallet signs with one node down and reports the cluster unavailable with two down', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3 });
    cluster.down.add(2);
    try {
      const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { to: recipient(), value: 1n, ...fees, gasLimit: 21_000 } });
      expect(signed.signers).toEqual([1, 3]);
      expect(EvmTx.from(signed.serializedTransaction!).from).toBe(wallet.address);
      cluster.down.add(3);
      await expect(kms.mpc.sign({ walletId: wallet.id, transaction: { to: recipient(), value: 1n, ...fees } })).rejects.toMatchObject({ status: 503, code: 'not_enough_signers' });
      await expect(kms.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3 })).rejects.toMatchObject({ status: 503, code: 'not_enough_nodes' });
    } finally {
      cluster.down.clear();
    }
  });

  it('bad input is a 400 naming the field; a duplicate id a 409', async () => {
    await expect(kms.mpc.generateWallet({ chain: 'polygon', threshold: 4, parties: 3 })).rejects.toMatchObject({ status: 400, message: '"threshold" expected integer 1..3, got 4' });
    await expect(kms.mpc.generateWallet({ chain: 'polygon', threshold: 2, parties: 4 })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/"parties" expected integer 1\.\.3/) });
    await expect(kms.mpc.generateWallet({ chain: 'solana', threshold: 2, parties: 3 })).rejects.toMatchObject({ status: 400 });
    // The gateway's node drives signing from its own share: a committee without it could never sign here.
    await expect(kms.mpc.generateWallet({ chain: 'polygon', threshold: 2, parties: [2, 3] })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/must include node 1/) });
    await expect(kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3, id: 'treasury-usdc' })).rejects.toMatchObject({ status: 409, code: 'wallet_exists' });
    await expect(kms.mpc.sign({ walletId: 'treasury-usdc', transaction: { to: recipient(), value: 1.5 } as never })).rejects.toMatchObject({ status: 400 });
    await expect(kms.mpc.sign({ walletId: 'treasury-usdc', transaction: { to: recipient(), value: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n } })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/nonce/) });
    expect(() => kms.mpc.sign({ walletId: 'x', transaction: { to: recipient(), value: 2 ** 60 } })).toThrow(RangeError);
  });

  it('the OpenAPI document lists the mpc operations', async () => {
    const doc = (await (await fetch(`${h.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ['/v1/mpc/wallets', '/v1/mpc/wallets/{walletId}', '/v1/mpc/wallets/{walletId}/sign', '/v1/mpc/wallets/{walletId}/sign-hash']) expect(doc.paths).toHaveProperty([p]);
  });
});

describe('a gateway without a cluster', () => {
  it('refuses wallet generation with 503 cluster_unavailable', async () => {
    const h = await startHarness();
    try {
      await expect(h.admin.mpc.generateWallet({ chain: 'ethereum', threshold: 2, parties: 3 })).rejects.toMatchObject({ status: 503, code: 'cluster_unavailable' });
    } finally {
      await h.close();
    }
  });
});
