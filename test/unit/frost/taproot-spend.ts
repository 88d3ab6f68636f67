/**
 * A Bitcoin key-path spend built by @scure/btc-signer: P2TR output from the internal key, a transaction
 * spending it, the BIP-341 sighash computed by the library, and our signature placed in the witness.
 * btc-signer has no signature verifier, so the finalized witness is checked under the key in the output's
 * scriptPubKey by noble and by tiny-secp256k1; and btc-signer's own signing path, given the group secret,
 * is used to confirm that it treats this key as the output's key-path spender for the same sighash.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { p2tr, SigHash, Transaction } from '@scure/btc-signer';
import * as tiny from 'tiny-secp256k1';
import { expect } from 'vitest';

const AMOUNT = 100_000n;
const PREVIOUS_TXID = new Uint8Array(32).fill(0xab);

export interface KeyPathSpend {
  output: { script: Uint8Array; tweakedPubkey: Uint8Array };
  tx: Transaction;
  sighash: Uint8Array;
}

/** A transaction spending the P2TR output of `internalKey` (no script tree), and the sighash to sign. */
export function keyPathSpend(internalKey: Uint8Array, outputKey: Uint8Array): KeyPathSpend {
  const output = p2tr(internalKey);
  expect(Buffer.from(output.tweakedPubkey).equals(Buffer.from(outputKey)), 'btc-signer tweaks the internal key to our output key').toBe(true);
  const tx = new Transaction();
  tx.addInput({ txid: PREVIOUS_TXID, index: 0, witnessUtxo: { script: output.script, amount: AMOUNT }, tapInternalKey: internalKey });
  tx.addOutput({ script: output.script, amount: AMOUNT - 1_000n });
  const sighash = tx.preimageWitnessV1(0, [output.script], SigHash.DEFAULT, [AMOUNT]);
  return { output, tx, sighash };
}

/** Put `signature` in the witness, finalize, serialize, re-parse, and verify what consensus would check. */
export function finalizeAndVerify(spend: KeyPathSpend, signature: Uint8Array): void {
  spend.tx.updateInput(0, { tapKeySig: signature });
  spend.tx.finalize();
  const parsed = Transaction.fromRaw(spend.tx.extract());
  const witness = parsed.getInput(0).finalScriptWitness!;
  expect(witness.length).toBe(1);
  const keyInScript = spend.output.script.subarray(2); // OP_1 PUSH32 <x-only output key>
  expect(spend.output.script[0]).toBe(0x51);
  expect(schnorr.verify(witness[0]!, spend.sighash, keyInScript)).toBe(true);
  expect(tiny.verifySchnorr(spend.sighash, keyInScript, witness[0]!)).toBe(true);
}

/** btc-signer's own signer, with the group's (tweaked) secret, must accept this input as ours. */
export function btcSignerSignsWith(spend: KeyPathSpend, groupSecret: Uint8Array): void {
  const copy = spend.tx.clone();
  expect(copy.signIdx(groupSecret, 0)).toBe(true);
  const sig = copy.getInput(0).tapKeySig!;
  expect(schnorr.verify(sig, spend.sighash, spend.output.script.subarray(2))).toBe(true);
}
