/**
 * EVM transactions: the signing payload of an EIP-1559 (type 2) or legacy EIP-155 transaction, its hash, and
 * the serialized transaction once the signature is in.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes, integerBytes, rlpEncode, type RlpItem } from './rlp.js';

export interface AccessListEntry {
  address: Uint8Array;
  storageKeys: Uint8Array[];
}

interface CommonFields {
  chainId: bigint;
  nonce: bigint;
  gasLimit: bigint;
  to: Uint8Array;
  value: bigint;
  data: Uint8Array;
}

export interface Eip1559Fields extends CommonFields {
  type: 'eip1559';
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  accessList: AccessListEntry[];
}

export interface LegacyFields extends CommonFields {
  type: 'legacy';
  gasPrice: bigint;
}

export type EvmTransaction = Eip1559Fields | LegacyFields;

/** ECDSA signature parts: r and s as integers, yParity 0 or 1 (the parity of R's y). */
export interface EvmSignature {
  r: bigint;
  s: bigint;
  yParity: 0 | 1;
}

const EIP1559_TYPE = 0x02;

function eip1559Body(tx: Eip1559Fields): RlpItem[] {
  const accessList = tx.accessList.map((e) => [e.address, e.storageKeys] as RlpItem);
  return [
    integerBytes(tx.chainId),
    integerBytes(tx.nonce),
    integerBytes(tx.maxPriorityFeePerGas),
    integerBytes(tx.maxFeePerGas),
    integerBytes(tx.gasLimit),
    tx.to,
    integerBytes(tx.value),
    tx.data,
    accessList,
  ];
}

function legacyBody(tx: LegacyFields): RlpItem[] {
  return [integerBytes(tx.nonce), integerBytes(tx.gasPrice), integerBytes(tx.gasLimit), tx.to, integerBytes(tx.value), tx.data];
}

/** The bytes whose keccak256 is signed. EIP-155 appends (chainId, 0, 0) so a signature is bound to one chain. */
export function signingPayload(tx: EvmTransaction): Uint8Array {
  if (tx.type === 'eip1559') return concatBytes([Uint8Array.of(EIP1559_TYPE), rlpEncode(eip1559Body(tx))]);
  return rlpEncode([...legacyBody(tx), integerBytes(tx.chainId), new Uint8Array(0), new Uint8Array(0)]);
}

export function signingHash(tx: EvmTransaction): Uint8Array {
  return keccak_256(signingPayload(tx));
}

/** The legacy `v` of EIP-155: chainId * 2 + 35 + yParity. */
export function legacyV(chainId: bigint, yParity: 0 | 1): bigint {
  return chainId * 2n + 35n + BigInt(yParity);
}

/** The signed transaction as broadcast (`eth_sendRawTransaction`). */
export function serializeSigned(tx: EvmTransaction, sig: EvmSignature): Uint8Array {
  const tail = [integerBytes(sig.r), integerBytes(sig.s)];
  if (tx.type === 'eip1559') return concatBytes([Uint8Array.of(EIP1559_TYPE), rlpEncode([...eip1559Body(tx), integerBytes(BigInt(sig.yParity)), ...tail])]);
  return rlpEncode([...legacyBody(tx), integerBytes(legacyV(tx.chainId, sig.yParity)), ...tail]);
}

export function transactionHash(serialized: Uint8Array): Uint8Array {
  return keccak_256(serialized);
}
