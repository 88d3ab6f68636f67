/**
 * Bitcoin wallets: addresses as the reference library derives them, Taproot key-path and SegWit v0 spends
 * whose signatures verify with libsecp256k1 over sighashes recomputed from the final transaction, PSBTs with
 * other people's inputs, and the requests that must be refused.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { NETWORK, OutScript, p2tr, p2wpkh, RawWitness, SigHash, TEST_NETWORK, Transaction } from '@scure/btc-signer';
import { base64 } from '@scure/base';
import { scriptOfAddress, walletOutput } from '../../../api/engines/mpc/bitcoin/address.js';
import { attachSignatures, planBitcoin, type BitcoinWallet } from '../../../api/engines/mpc/bitcoin/transaction.js';
import { toDer } from '../../../api/engines/mpc/signature.js';
import { taprootOutputSecret } from './local-cluster.js';

const txid = () => randomBytes(32).toString('hex');
const toBytes32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const other = () => p2wpkh(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true), TEST_NETWORK);

function taprootWallet() {
  const d = BigInt('0x' + Buffer.from(secp256k1.utils.randomSecretKey()).toString('hex'));
  const q = toBytes32(taprootOutputSecret(d));
  const publicKey = schnorr.getPublicKey(q);
  const wallet: BitcoinWallet = { addressType: 'taproot', publicKey, network: TEST_NETWORK, ...walletOutput('taproot', publicKey, TEST_NETWORK) };
  const internal = secp256k1.getPublicKey(toBytes32(d), true).subarray(1);
  return { wallet, q, internal, d: toBytes32(d) };
}

function segwitWallet() {
  const k = secp256k1.utils.randomSecretKey();
  const publicKey = secp256k1.getPublicKey(k, true);
  const wallet: BitcoinWallet = { addressType: 'segwit', publicKey, network: TEST_NETWORK, ...walletOutput('segwit', publicKey, TEST_NETWORK) };
  return { wallet, k };
}

describe('addresses', () => {
  it('a Taproot wallet pays to its output key: the address p2tr() derives from the internal key, bech32m', () => {
    const { wallet, internal } = taprootWallet();
    expect(wallet.address).toBe(p2tr(internal, undefined, TEST_NETWORK).address);
    expect(wallet.address).toMatch(/^tb1p[02-9ac-hj-np-z]{58}$/);
    expect(walletOutput('taproot', wallet.publicKey, NETWORK).address).toMatch(/^bc1p/);
  });

  it('a SegWit wallet is P2WPKH, bech32', () => {
    const { wallet } = segwitWallet();
    expect(wallet.address).toBe(p2wpkh(wallet.publicKey, TEST_NETWORK).address);
    expect(wallet.address).toMatch(/^tb1q/);
  });

  it('an address of another network is refused', () => {
    const { wallet } = taprootWallet();
    expect(() => scriptOfAddress(walletOutput('taproot', wallet.publicKey, NETWORK).address, TEST_NETWORK, 'transaction.to')).toThrow(/"transaction.to" is not a valid tb address/);
  });
});

describe('Taproot key-path spend', () => {
  it('signs every input; the final transaction parses and each witness verifies (BIP-340) over the recomputed sighash', () => {
    const { wallet, q } = taprootWallet();
    const payee = other();
    const plan = planBitcoin(wallet, {
      inputs: [{ txid: txid(), vout: 0, value: '60000' }, { txid: txid(), vout: 3, value: 50000, sequence: 0xfffffffd }],
      to: payee.address!,
      value: '70000',
      fee: '500',
    });
    expect(plan.inputs).toEqual([0, 1]);
    expect(plan.amount).toBe(70_500n);
    expect(plan.fee).toBe(500n);
    const signed = attachSignatures(wallet, plan, plan.digests.map((d) => schnorr.sign(d, q)));
    expect(signed.serialized).toBeDefined();

    const parsed = Transaction.fromRaw(Buffer.from(signed.serialized!, 'hex'));
    expect(parsed.id).toBe(signed.txid);
    expect(parsed.outputsLength).toBe(2);
    expect(parsed.getOutput(0)).toMatchObject({ amount: 70_000n });
    expect(parsed.getOutput(1)).toMatchObject({ amount: 39_500n });
    expect(Buffer.from(parsed.getOutput(1).script!).equals(Buffer.from(wallet.script))).toBe(true);
    const scripts = [wallet.script, wallet.script];
    const amounts = [60_000n, 50_000n];
    for (const i of [0, 1]) {
      const witness = parsed.getInput(i).finalScriptWitness!;
      expect(witness).toHaveLength(1);
      expect(witness[0]).toHaveLength(64);
      const sighash = parsed.preimageWitnessV1(i, scripts, SigHash.DEFAULT, amounts);
      expect(ecc.verifySchnorr(sighash, wallet.publicKey, witness[0]!)).toBe(true);
      // A signature moved to the other input does not verify there: each input's sighash is its own.
      expect(ecc.verifySchnorr(parsed.preimageWitnessV1(1 - i, scripts, SigHash.DEFAULT, amounts), wallet.publicKey, witness[0]!)).toBe(false);
    }
  });

  it('the sighash is the one the reference signer computes: its own key-path signature verifies over our digest', () => {
    const { wallet, internal, d } = taprootWallet();
    const plan = planBitcoin(wallet, { inputs: [{ txid: txid(), vout: 1, value: 10_000 }], outputs: [{ address: other().address!, value: 9_000 }] });
    const reference = Transaction.fromPSBT(plan.tx.toPSBT());
    // The reference signer tweaks the internal key itself, as any single-key Taproot wallet would.
    reference.updateInput(0, { tapInternalKey: internal });
    reference.signIdx(d, 0);
    expect(ecc.verifySchnorr(plan.digests[0]!, wallet.publicKey, reference.getInput(0).tapKeySig!)).toBe(true);
  });

  it('a PSBT with someone else\'s input: only ours is signed, the amount counts only ours, and no final transaction yet', () => {
    const { wallet, q } = taprootWallet();
    const theirs = other();
    const tx = new Transaction();
    tx.addInput({ txid: txid(), index: 0, witnessUtxo: { script: theirs.script, amount: 20_000n } });
    tx.addInput({ txid: txid(), index: 2, witnessUtxo: { script: wallet.script, amount: 30_000n } });
    tx.addOutputAddress(other().address!, 35_000n, TEST_NETWORK);
    tx.addOutput({ script: wallet.script, amount: 14_000n });
    const plan = planBitcoin(wallet, { psbt: base64.encode(tx.toPSBT()) });
    expect(plan.inputs).toEqual([1]);
    expect(plan.amount).toBe(16_000n);
    const signed = attachSignatures(wallet, plan, plan.digests.map((d) => schnorr.sign(d, q)));
    expect(signed.serialized).toBeUndefined();
    const back = Transaction.fromPSBT(base64.decode(signed.psbt));
    expect(back.getInput(1).finalScriptWitness).toHaveLength(1);
    expect(back.getInput(0).finalScriptWitness).toBeUndefined();
  });

  it('refuses: change below dust, inputs short of value + fee, nothing of ours, PSBT input without witnessUtxo, both forms at once', () => {
    const { wallet } = taprootWallet();
    const to = other().address!;
    const input = [{ txid: txid(), vout: 0, value: 10_000 }];
    expect(() => planBitcoin(wallet, { inputs: input, to, value: 9_500, fee: 300 })).toThrow(/below the dust limit/);
    expect(() => planBitcoin(wallet, { inputs: input, to, value: 9_900, fee: 200 })).toThrow(/less than value/);
    expect(() => planBitcoin(wallet, { inputs: input, outputs: [{ address: to, value: 10_001 }] })).toThrow(/spend more than the inputs/);
    expect(() => planBitcoin(wallet, { inputs: input, to, value: 1 })).toThrow(/"fee"/);
    const foreign = new Transaction();
    foreign.addInput({ txid: txid(), index: 0, witnessUtxo: { script: other().script, amount: 1000n } });
    foreign.addOutputAddress(to, 500n, TEST_NETWORK);
    expect(() => planBitcoin(wallet, { psbt: base64.encode(foreign.toPSBT()) })).toThrow(/no input of the transaction spends this wallet/);
    const bare = new Transaction();
    bare.addInput({ txid: txid(), index: 0 });
    bare.addOutputAddress(to, 500n, TEST_NETWORK);
    expect(() => planBitcoin(wallet, { psbt: base64.encode(bare.toPSBT()) })).toThrow(/no witnessUtxo/);
    expect(() => planBitcoin(wallet, { psbt: 'cHNidP8=', inputs: input })).toThrow(/either "psbt" or "inputs"/);
    expect(() => planBitcoin(wallet, { psbt: 'not a psbt' })).toThrow(/not a valid PSBT/);
  });
});

describe('SegWit v0 (P2WPKH) spend', () => {
  it('BIP-143 sighash, DER signature with SIGHASH_ALL, witness [sig, pubkey]; verifies with libsecp256k1', () => {
    const { wallet, k } = segwitWallet();
    const plan = planBitcoin(wallet, { inputs: [{ txid: txid(), vout: 0, value: 100_000 }], to: other().address!, value: 40_000, fee: 1_000 });
    const sigs = plan.digests.map((d) => {
      const s = secp256k1.Signature.fromBytes(secp256k1.sign(d, k, { prehash: false }), 'compact');
      return toDer(s.r, s.s);
    });
    const signed = attachSignatures(wallet, plan, sigs);
    const parsed = Transaction.fromRaw(Buffer.from(signed.serialized!, 'hex'));
    const [sig, pub] = parsed.getInput(0).finalScriptWitness!;
    expect(Buffer.from(pub!).equals(Buffer.from(wallet.publicKey))).toBe(true);
    expect(sig![sig!.length - 1]).toBe(SigHash.ALL);
    const decoded = OutScript.decode(wallet.script);
    if (decoded.type !== 'wpkh') throw new Error('expected wpkh');
    const sighash = parsed.preimageWitnessV0(0, OutScript.encode({ type: 'pkh', hash: decoded.hash }), SigHash.ALL, 100_000n);
    const compact = secp256k1.Signature.fromBytes(sig!.subarray(0, -1), 'der').toBytes('compact');
    expect(ecc.verify(sighash, wallet.publicKey, compact)).toBe(true);
    expect(RawWitness.encode(parsed.getInput(0).finalScriptWitness!).length).toBeGreaterThan(100);
  });

  it('the sighash is the one the reference signer computes (its signature verifies over our digest)', () => {
    const { wallet, k } = segwitWallet();
    const plan = planBitcoin(wallet, { inputs: [{ txid: txid(), vout: 5, value: 77_777 }], to: other().address!, value: 70_000, fee: 777 });
    const reference = Transaction.fromPSBT(plan.tx.toPSBT());
    reference.signIdx(k, 0);
    const der = reference.getInput(0).partialSig![0]![1];
    const compact = secp256k1.Signature.fromBytes(der.subarray(0, -1), 'der').toBytes('compact');
    expect(ecc.verify(plan.digests[0]!, wallet.publicKey, compact)).toBe(true);
  });
});
