/** What the MPC engine returns, shared with the SDK as types only (no server code reaches the SDK bundle). */
import type { AddressType, WalletProtocol } from './chains.js';

export interface SignedTransaction {
  walletId: string;
  chain: string;
  /** EVM: r‖s‖v (65 bytes, 0x hex). Bitcoin: the first signed input's signature (hex). */
  signature: string;
  /** EVM only: the signature's parts and the signed digest. */
  r?: string;
  s?: string;
  /** EVM: yParity for EIP-1559, chainId·2+35+yParity for legacy EIP-155. */
  v?: number;
  yParity?: 0 | 1;
  signingHash?: string;
  /** Bitcoin only: every input this wallet signed, with its sighash. */
  inputs?: { index: number; sighash: string; signature: string }[];
  psbt?: string;
  /** The signed transaction, ready to broadcast (absent for a PSBT that still needs others' inputs). */
  serializedTransaction?: string;
  transactionHash?: string;
  /** What the transaction moves, as checked against policies, or null when it could not be read. */
  amount: { value: string; currency: string; decimals: number } | null;
  signers: number[];
}

export interface SignedHash {
  walletId: string;
  hash: string;
  signature: string;
  r?: string;
  s?: string;
  recovery?: 0 | 1;
  signers: number[];
}

export interface WalletInfo {
  id: string;
  chain: string;
  currency: string;
  decimals: number;
  tokenContract?: string;
  chainId?: number;
  addressType?: AddressType;
  /** EIP-55 for EVM chains; bech32m (P2TR) or bech32 (P2WPKH) for Bitcoin. */
  address: string;
  publicKey: string;
  protocol: WalletProtocol;
  threshold: number;
  parties: number;
  partyIds: number[];
  /** Share generation: 0 at keygen, one more after each reshare or refresh. */
  generation: number;
  createdAt: string;
}
