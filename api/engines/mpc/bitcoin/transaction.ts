/**
 * Bitcoin transactions a wallet signs: built from explicit inputs and outputs (or one payment plus change),
 * or taken from a PSBT. Yields one digest per input the wallet owns (BIP-341 key-path sighash for Taproot,
 * BIP-143 for SegWit v0), and puts the signatures back in to give the signed PSBT and, when every input is
 * signed, the final transaction.
 */
import { OutScript, SigHash, Transaction } from '@scure/btc-signer';
import { base64 } from '@scure/base';
import { InvalidInputError } from '../../../server/errors.js';
import type { AddressType, BitcoinNetwork } from '../chains.js';
import { parseUnits } from '../units.js';
import { scriptOfAddress } from './address.js';

/** All the bitcoin there will ever be, in satoshi: no amount above it is real. */
export const MAX_SATOSHI = 2_100_000_000_000_000n;
// Below these, an output costs more to spend than it holds and nodes refuse to relay it.
const DUST: Record<AddressType, bigint> = { taproot: 330n, segwit: 294n };
const MAX_INPUTS = 256;

export interface BitcoinWallet {
  addressType: AddressType;
  /** x-only output key (taproot) or compressed SEC1 key (segwit). */
  publicKey: Uint8Array;
  script: Uint8Array;
  address: string;
  network: BitcoinNetwork;
}

export interface BitcoinTxRequest {
  psbt?: string;
  inputs?: { txid: string; vout: number; value: string | number; sequence?: number }[];
  outputs?: { address: string; value: string | number }[];
  to?: string;
  value?: string | number;
  fee?: string | number;
  locktime?: number;
}

export interface BitcoinPlan {
  tx: Transaction;
  /** Indexes of the inputs this wallet signs, in order, and the digest each one signs. */
  inputs: number[];
  digests: Uint8Array[];
  /** What leaves the wallet: its inputs minus what comes back to its own script (so payments plus fee). */
  amount: bigint;
  fee: bigint;
}

const sats = (value: unknown, field: string) => parseUnits(value, field, MAX_SATOSHI);
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function fromInputs(wallet: BitcoinWallet, request: BitcoinTxRequest): Transaction {
  const inputs = request.inputs ?? [];
  if (inputs.length === 0 || inputs.length > MAX_INPUTS) throw new InvalidInputError(`"transaction.inputs" expected 1..${MAX_INPUTS} inputs, got ${inputs.length}`);
  const tx = new Transaction({ version: 2, lockTime: request.locktime ?? 0 });
  let total = 0n;
  inputs.forEach((input, i) => {
    if (typeof input.txid !== 'string' || !/^[0-9a-fA-F]{64}$/.test(input.txid)) throw new InvalidInputError(`"transaction.inputs[${i}].txid" expected 64 hex characters`);
    const amount = sats(input.value, `transaction.inputs[${i}].value`);
    total += amount;
    tx.addInput({
      txid: input.txid.toLowerCase(),
      index: input.vout,
      witnessUtxo: { script: wallet.script, amount },
      ...(input.sequence === undefined ? {} : { sequence: input.sequence }),
    });
  });
  const payments: { script: Uint8Array; amount: bigint }[] = [];
  if (request.outputs) {
    if (request.to !== undefined || request.value !== undefined || request.fee !== undefined) {
      throw new InvalidInputError('"transaction" expected either "outputs" or "to"/"value"/"fee", not both');
    }
    request.outputs.forEach((o, i) => payments.push({ script: scriptOfAddress(o.address, wallet.network, `transaction.outputs[${i}].address`), amount: sats(o.value, `transaction.outputs[${i}].value`) }));
  } else {
    if (request.to === undefined || request.value === undefined || request.fee === undefined) {
      throw new InvalidInputError('"transaction" expected "outputs", or "to", "value" and "fee" (the change goes back to the wallet)');
    }
    const value = sats(request.value, 'transaction.value');
    const fee = sats(request.fee, 'transaction.fee');
    payments.push({ script: scriptOfAddress(request.to, wallet.network, 'transaction.to'), amount: value });
    const change = total - value - fee;
    if (change < 0n) throw new InvalidInputError(`the inputs hold ${total} sat, less than value ${value} + fee ${fee}`, 'insufficient_funds');
    if (change > 0n && change < DUST[wallet.addressType]) {
      throw new InvalidInputError(`the change of ${change} sat is below the dust limit of ${DUST[wallet.addressType]} sat: raise "fee" by ${change} or lower "value"`);
    }
    if (change > 0n) payments.push({ script: wallet.script, amount: change });
  }
  if (payments.length === 0) throw new InvalidInputError('"transaction.outputs" expected at least one output');
  for (const p of payments) tx.addOutput(p);
  return tx;
}

function fromPsbt(psbt: string): Transaction {
  let bytes: Uint8Array;
  try {
    bytes = /^(70736274ff)[0-9a-fA-F]*$/.test(psbt) ? Uint8Array.from(Buffer.from(psbt, 'hex')) : base64.decode(psbt);
    return Transaction.fromPSBT(bytes);
  } catch (e) {
    throw new InvalidInputError(`"transaction.psbt" is not a valid PSBT (base64 or hex): ${(e as Error).message}`);
  }
}

export function planBitcoin(wallet: BitcoinWallet, request: BitcoinTxRequest): BitcoinPlan {
  if (request.psbt !== undefined && (request.inputs !== undefined || request.outputs !== undefined || request.to !== undefined)) {
    throw new InvalidInputError('"transaction" expected either "psbt" or "inputs", not both');
  }
  const tx = request.psbt !== undefined ? fromPsbt(request.psbt) : fromInputs(wallet, request);
  if (tx.inputsLength === 0 || tx.inputsLength > MAX_INPUTS) throw new InvalidInputError(`the transaction has ${tx.inputsLength} inputs; expected 1..${MAX_INPUTS}`);

  const prevScripts: Uint8Array[] = [];
  const prevAmounts: bigint[] = [];
  const ours: number[] = [];
  let ourIn = 0n;
  for (let i = 0; i < tx.inputsLength; i++) {
    const input = tx.getInput(i);
    // Taproot sighashes commit to every input's amount and script, and BIP-143 to the spent amount: without them
    // a signer could be tricked into paying a fee it never saw.
    if (!input.witnessUtxo) throw new InvalidInputError(`PSBT input ${i} has no witnessUtxo (amount and script of the output it spends)`);
    prevScripts.push(input.witnessUtxo.script);
    prevAmounts.push(input.witnessUtxo.amount);
    if (!equal(input.witnessUtxo.script, wallet.script) || input.finalScriptWitness) continue;
    if (input.sighashType !== undefined && input.sighashType !== (wallet.addressType === 'taproot' ? SigHash.DEFAULT : SigHash.ALL)) {
      throw new InvalidInputError(`PSBT input ${i} asks for sighash type ${input.sighashType}; this wallet signs only ${wallet.addressType === 'taproot' ? 'SIGHASH_DEFAULT' : 'SIGHASH_ALL'}`);
    }
    ours.push(i);
    ourIn += input.witnessUtxo.amount;
  }
  if (ours.length === 0) throw new InvalidInputError(`no input of the transaction spends this wallet's address ${wallet.address}`, 'nothing_to_sign');

  let back = 0n;
  let out = 0n;
  for (let i = 0; i < tx.outputsLength; i++) {
    const output = tx.getOutput(i);
    if (output.amount === undefined || !output.script) throw new InvalidInputError(`output ${i} has no amount or script`);
    out += output.amount;
    if (equal(output.script, wallet.script)) back += output.amount;
  }
  const totalIn = prevAmounts.reduce((a, b) => a + b, 0n);
  if (out > totalIn) throw new InvalidInputError(`the outputs (${out} sat) spend more than the inputs hold (${totalIn} sat)`, 'insufficient_funds');

  const digests = ours.map((i) => {
    if (wallet.addressType === 'taproot') return tx.preimageWitnessV1(i, prevScripts, SigHash.DEFAULT, prevAmounts);
    // BIP-143: a P2WPKH input signs with the P2PKH script of its key hash as scriptCode.
    const decoded = OutScript.decode(wallet.script);
    if (decoded.type !== 'wpkh') throw new TypeError('a SegWit wallet script must be P2WPKH');
    return tx.preimageWitnessV0(i, OutScript.encode({ type: 'pkh', hash: decoded.hash }), SigHash.ALL, prevAmounts[i]!);
  });
  return { tx, inputs: ours, digests, amount: ourIn > back ? ourIn - back : 0n, fee: totalIn - out };
}

export interface SignedBitcoin {
  /** The PSBT with this wallet's inputs finalized, base64. */
  psbt: string;
  /** The raw transaction (hex) and its txid, once every input is final. */
  serialized?: string;
  txid?: string;
}

/**
 * `signatures[k]` signs input `plan.inputs[k]`: a 64-byte BIP-340 signature (taproot, SIGHASH_DEFAULT, so no
 * sighash byte) or a DER signature to which SIGHASH_ALL is appended here.
 */
export function attachSignatures(wallet: BitcoinWallet, plan: BitcoinPlan, signatures: Uint8Array[]): SignedBitcoin {
  const tx = plan.tx;
  plan.inputs.forEach((index, k) => {
    const sig = signatures[k]!;
    if (wallet.addressType === 'taproot') tx.updateInput(index, { tapKeySig: sig }, true);
    else tx.updateInput(index, { partialSig: [[wallet.publicKey, Uint8Array.of(...sig, SigHash.ALL)]] }, true);
    tx.finalizeIdx(index);
  });
  const complete = Array.from({ length: tx.inputsLength }, (_, i) => tx.getInput(i)).every((input) => input.finalScriptWitness || input.finalScriptSig);
  return {
    psbt: base64.encode(tx.toPSBT()),
    ...(complete ? { serialized: Buffer.from(tx.extract()).toString('hex'), txid: tx.id } : {}),
  };
}
