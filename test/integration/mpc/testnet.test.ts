/**
 * MPC wallets through the SDK against a real 3-process testnet (the gateway inside node 1): an EVM wallet
 * whose EIP-1559 transaction ethers parses with the wallet as sender, a Taproot wallet whose spend btc-signer
 * parses and libsecp256k1 verifies, a 2-of-3 wallet signing with a node stopped, a wallet still signing under
 * its address after a reshare by the coordinator CLI, a maxAmount denial that no node ever signed for, and a deleted
 * wallet whose key no node holds any more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';
import { getAddress, Transaction as EvmTx } from 'ethers';
import { SigHash, Transaction as BtcTx } from '@scure/btc-signer';
import { LuxKMS } from '../../../api/sdk/index.js';
import type { MpcWallet } from '../../../api/sdk/mpc.js';
import { runCli, startTestnet, type TestnetHandle } from '../../helpers/testnet.js';

const recipient = () => getAddress('0x' + randomBytes(20).toString('hex'));
const fees = { gasLimit: 65_000, maxFeePerGas: 40_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n };
const SIGN_SESSIONS = /^luxkms_sessions_total\{ceremony="(?:cggmp21-sign|frost-sign)",outcome="\w+"\} (\d+)$/;

describe('MPC wallets through the SDK on a 3-node testnet', () => {
  let net: TestnetHandle;
  let kms: LuxKMS;
  let evm: MpcWallet;
  let nonce = 0;

  /** Signing sessions any node took part in (completed or failed), from every node's Prometheus counters. */
  async function signSessions(): Promise<number> {
    let count = 0;
    for (const node of net.endpoints) {
      const res = await fetch(`${node.controlUrl}/metrics`, { headers: { authorization: `Bearer ${node.token}` } });
      for (const line of (await res.text()).split('\n')) {
        const match = SIGN_SESSIONS.exec(line);
        if (match) count += Number(match[1]);
      }
    }
    return count;
  }

  async function signEvm(wallet: MpcWallet, client = kms) {
    const signed = await client.mpc.sign({ walletId: wallet.id, transaction: { to: recipient(), value: 1_250_000n, nonce: nonce++, ...fees } });
    const tx = EvmTx.from(signed.serializedTransaction!);
    expect(tx.type).toBe(2);
    expect(tx.from).toBe(wallet.address);
    return { signed, tx };
  }

  beforeAll(async () => {
    net = await startTestnet(3, { roundTimeoutMs: 60_000 });
    kms = new LuxKMS({ apiKey: net.file.apiKey, baseUrl: net.file.gatewayUrl, environment: 'production', timeoutMs: 300_000, maxRetries: 0 });
  }, 240_000);
  afterAll(async () => net?.close(), 60_000);

  it('EVM (CGGMP21): a 2-of-3 Polygon USDC wallet; its EIP-1559 transfer parses with ethers and the sender is the wallet', async () => {
    evm = await kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3, id: 'treasury-polygon' });
    expect(evm).toMatchObject({ protocol: 'cggmp21', threshold: 2, parties: 3, partyIds: [1, 2, 3], generation: 0 });
    const { tx, signed } = await signEvm(evm);
    expect(tx.chainId).toBe(137n);
    expect(tx.to).toBe(evm.tokenContract);
    expect(signed.amount).toEqual({ value: '1250000', currency: 'USDC', decimals: 6 });
  }, 600_000);

  it('Bitcoin Taproot (FROST): the key-path spend parses with btc-signer and its witness verifies over the BIP-341 sighash', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'bitcoin-regtest', threshold: 2, parties: 3 });
    expect(wallet.address).toMatch(/^bcrt1p/);
    const inputs = [{ txid: randomBytes(32).toString('hex'), vout: 0, value: 50_000n }, { txid: randomBytes(32).toString('hex'), vout: 1, value: 25_000n }];
    const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { inputs, outputs: [{ address: wallet.address, value: 74_000 }] } });
    const tx = BtcTx.fromRaw(Buffer.from(signed.serializedTransaction!, 'hex'));
    expect(tx.id).toBe(signed.transactionHash);
    const script = tx.getOutput(0).script!;
    for (const i of [0, 1]) {
      const sighash = tx.preimageWitnessV1(i, [script, script], SigHash.DEFAULT, [50_000n, 25_000n]);
      const [sig] = tx.getInput(i).finalScriptWitness!;
      expect(ecc.verifySchnorr(sighash, Buffer.from(wallet.publicKey, 'hex'), sig!)).toBe(true);
    }
  }, 300_000);

  it('deleting a Taproot wallet erases its key share on every node; signing it afterwards is refused (410)', async () => {
    const wallet = await kms.mpc.generateWallet({ chain: 'bitcoin-regtest', threshold: 2, parties: 3 });
    await kms.mpc.signHash({ walletId: wallet.id, hash: randomBytes(32).toString('hex') });
    await kms.mpc.delete(wallet.id);
    for (const id of [1, 2, 3]) await expect(net.call(id, 'GET', `/v1/keys/${wallet.id}`)).rejects.toMatchObject({ code: 'key_not_found' });
    await expect(kms.mpc.signHash({ walletId: wallet.id, hash: randomBytes(32).toString('hex') })).rejects.toMatchObject({ status: 410, code: 'wallet_deleted' });
  }, 120_000);

  it('maxAmount: over the limit is a 403 naming the policy, and no node ran a signing session', async () => {
    await kms.policies.create({ name: 'treasury-signing', rules: [{ action: 'sign', resource: 'key:treasury-*', conditions: { maxAmount: 1000 } }] });
    const capped = new LuxKMS({
      apiKey: (await kms.apiKeys.create({ name: 'capped', environments: ['production'], policies: ['treasury-signing'] })).apiKey,
      baseUrl: net.file.gatewayUrl,
      timeoutMs: 300_000,
      maxRetries: 0,
    });
    const before = await signSessions();
    const denied = await capped.mpc.sign({ walletId: evm.id, transaction: { to: recipient(), value: 1_000_000_001n, nonce: nonce, ...fees } }).catch((e) => e);
    expect(denied).toMatchObject({ status: 403, code: 'amount_exceeds_max' });
    expect(denied.message).toMatch(/policy "treasury-signing"/);
    expect(await signSessions()).toBe(before);
    const audit = await kms.audit.list({ keyId: evm.id, actions: ['sign'] });
    expect(audit.records.at(-1)).toMatchObject({ result: 'denied', code: 'amount_exceeds_max' });

    // Positive control: a signature within the limit moves the count (every signer counts its session).
    await signEvm(evm, capped);
    const deadline = Date.now() + 15_000;
    while ((await signSessions()) < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await signSessions()).toBeGreaterThanOrEqual(before + 2);
  }, 300_000);

  it('a 2-of-3 wallet keeps signing with one node stopped', async () => {
    await net.testnet.stopNode(3);
    try {
      const { signed } = await signEvm(evm);
      expect(signed.signers).toEqual([1, 2]);
    } finally {
      await net.testnet.restart(3);
    }
  }, 300_000);

  it('after a reshare by the coordinator CLI the wallet signs under the same address', async () => {
    const reshared = await runCli(['coord', 'reshare', '--testnet', net.fileName, '--key', evm.id, '--parties', '1,2,3', '--threshold', '2']);
    expect(reshared.code, reshared.stderr).toBe(0);
    expect(reshared.json).toMatchObject({ keyId: evm.id, publicKey: evm.publicKey, generation: 1 });
    expect(await kms.mpc.get(evm.id)).toMatchObject({ address: evm.address, generation: 1, threshold: 2 });
    await signEvm(evm);
  }, 600_000);
});
