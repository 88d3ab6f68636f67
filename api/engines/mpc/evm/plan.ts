/**
 * From a sign request to the EVM transaction a wallet signs: fee model, chain binding, ERC-20 transfers built
 * for token wallets, and the amount the transaction moves, which `maxAmount` is checked against.
 */
import { InvalidInputError } from '../../../server/errors.js';
import type { Asset } from '../chains.js';
import { parseUnits } from '../units.js';
import { parseAddress } from './address.js';
import { decodeTokenCall, encodeTransfer } from './erc20.js';
import { signingHash, type AccessListEntry, type EvmTransaction } from './transaction.js';

export interface EvmTxRequest {
  to: string;
  value?: string | number;
  data?: string;
  /** Which currency `value` is in: the wallet's currency (default) or the chain's native one. */
  currency?: string;
  type?: 'eip1559' | 'legacy';
  chainId?: number;
  nonce?: string | number;
  gasLimit?: string | number;
  maxFeePerGas?: string | number;
  maxPriorityFeePerGas?: string | number;
  gasPrice?: string | number;
  accessList?: { address: string; storageKeys: string[] }[];
}

export interface EvmWallet {
  chainId: number;
  native: Asset;
  asset: Asset;
}

export interface MovedAmount {
  /** Base units (wei, token base units). */
  value: bigint;
  currency: string;
  decimals: number;
}

export interface EvmPlan {
  tx: EvmTransaction;
  digest: Uint8Array;
  /** Undefined when the calldata does something whose value cannot be read here (fails closed under `maxAmount`). */
  amount: MovedAmount | undefined;
}

// What a plain transfer of the native currency costs, fixed by the protocol.
const NATIVE_TRANSFER_GAS = 21_000n;
const MAX_U64 = (1n << 64n) - 1n;
const MAX_DATA_BYTES = 24 * 1024;

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function parseData(data: string | undefined): Uint8Array {
  if (data === undefined || data === '0x' || data === '') return new Uint8Array(0);
  if (!/^0x([0-9a-fA-F]{2})*$/.test(data)) throw new InvalidInputError('"transaction.data" expected 0x-prefixed hex bytes');
  if (data.length > 2 + 2 * MAX_DATA_BYTES) throw new InvalidInputError(`"transaction.data" expected at most ${MAX_DATA_BYTES} bytes`);
  return Uint8Array.from(Buffer.from(data.slice(2), 'hex'));
}

function parseAccessList(list: EvmTxRequest['accessList']): AccessListEntry[] {
  return (list ?? []).map((e, i) => ({
    address: parseAddress(e.address, `transaction.accessList[${i}].address`),
    storageKeys: e.storageKeys.map((k, j) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(k)) throw new InvalidInputError(`"transaction.accessList[${i}].storageKeys[${j}]" expected 32 bytes of 0x hex`);
      return Uint8Array.from(Buffer.from(k.slice(2), 'hex'));
    }),
  }));
}

function feeModel(request: EvmTxRequest): 'eip1559' | 'legacy' {
  const has1559 = request.maxFeePerGas !== undefined || request.maxPriorityFeePerGas !== undefined;
  const hasLegacy = request.gasPrice !== undefined;
  if (has1559 && hasLegacy) throw new InvalidInputError('"transaction" expected either "maxFeePerGas"/"maxPriorityFeePerGas" (EIP-1559) or "gasPrice" (legacy), not both');
  const type = request.type ?? (hasLegacy ? 'legacy' : has1559 ? 'eip1559' : undefined);
  if (type === undefined) throw new InvalidInputError('"transaction" expected fee fields: "maxFeePerGas" and "maxPriorityFeePerGas" (EIP-1559) or "gasPrice" (legacy)');
  if (type === 'legacy' && (has1559 || request.accessList)) throw new InvalidInputError('a legacy transaction takes "gasPrice" and no access list');
  if (type === 'eip1559' && hasLegacy) throw new InvalidInputError('an EIP-1559 transaction takes "maxFeePerGas" and "maxPriorityFeePerGas", not "gasPrice"');
  return type;
}

export function planEvm(wallet: EvmWallet, request: EvmTxRequest): EvmPlan {
  if (request.chainId !== undefined && request.chainId !== wallet.chainId) {
    throw new InvalidInputError(`"transaction.chainId" ${request.chainId} is not this wallet's chain (${wallet.chainId})`, 'wrong_chain');
  }
  if (request.nonce === undefined) throw new InvalidInputError('"transaction.nonce" is required: the gateway keeps no chain connection, so the caller supplies the account nonce');
  const type = feeModel(request);
  const currency = request.currency ?? wallet.asset.currency;
  const asset = same(currency, wallet.asset.currency) ? wallet.asset : same(currency, wallet.native.currency) ? wallet.native : undefined;
  if (!asset) throw new InvalidInputError(`"transaction.currency" expected ${wallet.asset.currency} or ${wallet.native.currency}, got ${currency}`);

  const recipient = parseAddress(request.to, 'transaction.to');
  const value = parseUnits(request.value ?? 0, 'transaction.value');
  let data = parseData(request.data);
  let to = recipient;
  let nativeValue = value;
  let amount: MovedAmount | undefined;

  if (asset.tokenContract && data.length === 0) {
    // A token wallet paying `value` tokens to `to`: the transaction calls the token contract, carrying no ether.
    to = parseAddress(asset.tokenContract, 'token.contract');
    data = encodeTransfer(recipient, value);
    nativeValue = 0n;
    amount = { value, currency: asset.currency, decimals: asset.decimals };
  } else if (data.length === 0) {
    amount = { value, currency: asset.currency, decimals: asset.decimals };
  } else {
    if (request.currency !== undefined && asset.tokenContract) throw new InvalidInputError('"transaction.currency" names a token and "transaction.data" is given: pass one of them');
    const call = decodeTokenCall(data);
    const token = wallet.asset.tokenContract ? parseAddress(wallet.asset.tokenContract, 'token.contract') : undefined;
    if (call && token && equalBytes(to, token)) {
      if (value !== 0n) throw new InvalidInputError('a token transfer must carry no native value ("transaction.value" must be 0 with ERC-20 calldata)');
      amount = { value: call.amount, currency: wallet.asset.currency, decimals: wallet.asset.decimals };
    }
    // Any other calldata may move value this gateway cannot see: `amount` stays undefined.
  }

  const gasLimit = request.gasLimit === undefined ? undefined : parseUnits(request.gasLimit, 'transaction.gasLimit', MAX_U64);
  if (gasLimit === undefined && data.length > 0) throw new InvalidInputError('"transaction.gasLimit" is required for a contract call (a token transfer included)');
  const common = { chainId: BigInt(wallet.chainId), nonce: parseUnits(request.nonce, 'transaction.nonce', MAX_U64), gasLimit: gasLimit ?? NATIVE_TRANSFER_GAS, to, value: nativeValue, data };

  let tx: EvmTransaction;
  if (type === 'legacy') {
    if (request.gasPrice === undefined) throw new InvalidInputError('"transaction.gasPrice" is required for a legacy transaction');
    tx = { type, ...common, gasPrice: parseUnits(request.gasPrice, 'transaction.gasPrice') };
  } else {
    if (request.maxFeePerGas === undefined || request.maxPriorityFeePerGas === undefined) {
      throw new InvalidInputError('"transaction.maxFeePerGas" and "transaction.maxPriorityFeePerGas" are both required for an EIP-1559 transaction');
    }
    const maxFeePerGas = parseUnits(request.maxFeePerGas, 'transaction.maxFeePerGas');
    const maxPriorityFeePerGas = parseUnits(request.maxPriorityFeePerGas, 'transaction.maxPriorityFeePerGas');
    if (maxPriorityFeePerGas > maxFeePerGas) throw new InvalidInputError(`"transaction.maxPriorityFeePerGas" (${maxPriorityFeePerGas}) exceeds "maxFeePerGas" (${maxFeePerGas})`);
    tx = { type, ...common, maxFeePerGas, maxPriorityFeePerGas, accessList: parseAccessList(request.accessList) };
  }
  return { tx, digest: signingHash(tx), amount };
}
