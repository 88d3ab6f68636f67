/**
 * `kms.mpc`: wallets whose key exists only as shares on the party cluster, and threshold signing of their
 * transactions.
 *
 *   const wallet = await kms.mpc.generateWallet({ chain: 'polygon', currency: 'USDC', threshold: 2, parties: 3 });
 *   const signed = await kms.mpc.sign({ walletId: wallet.id, transaction: { to, value: 2_500_000n, nonce: 7,
 *     gasLimit: 65_000, maxFeePerGas: 40_000_000_000n, maxPriorityFeePerGas: 30_000_000_000n } });
 *   // signed.serializedTransaction: ready for eth_sendRawTransaction
 *   await kms.mpc.delete(wallet.id);   // every node erases its share of the wallet's key
 *
 * Amounts are integers in base units (wei, token base units, satoshi) as bigint, decimal string or safe
 * integer; never floats. Keygen, signing and deletion run ceremonies between nodes, so these calls wait up to the
 * client's `ceremonyTimeoutMs` (default 120 s) rather than `timeoutMs`.
 */
import type { SignedHash, SignedTransaction, WalletInfo } from '../engines/mpc/signed.js';
import type { Transport } from './transport.js';
import { requireObject, requireString, seg } from './validate.js';

/** An integer in base units. */
export type Units = bigint | string | number;

export interface GenerateWalletInput {
  /** ethereum, sepolia, polygon, polygon-amoy, arbitrum, optimism, base, bsc, avalanche, evm (with chainId), bitcoin, bitcoin-testnet, bitcoin-regtest. */
  chain: string;
  /** The chain's native currency (default) or a token: USDC and USDT are known by name, others need `token`. */
  currency?: string;
  /** Minimum number of signers: 2 in a 2-of-3 wallet. */
  threshold: number;
  /** How many cluster nodes hold a share, or exactly which ones (node ids). */
  parties: number | number[];
  /** The wallet's id (also its key id on the cluster, and its policy resource `key:<id>`); default: generated. */
  id?: string;
  /** For `chain: 'evm'`: the chain's EIP-155 id. */
  chainId?: number;
  token?: { contract: string; decimals: number };
  /** Bitcoin: `taproot` (FROST, bech32m; default) or `segwit` (CGGMP21, P2WPKH bech32). */
  addressType?: 'taproot' | 'segwit';
}

export type MpcWallet = WalletInfo;

export interface EvmTransactionInput {
  /** The recipient. For a token wallet without `data`: who receives `value` tokens. */
  to: string;
  value?: Units;
  /** Calldata (0x hex). ERC-20 transfer/approve/transferFrom calls to the wallet's token count as token amounts. */
  data?: string;
  /** The currency of `value`: the wallet's (default) or the chain's native one. */
  currency?: string;
  /** Inferred from the fee fields when absent. */
  type?: 'eip1559' | 'legacy';
  chainId?: number;
  /** Required: the gateway keeps no chain connection. */
  nonce?: Units;
  /** Required for contract calls (token transfers included); 21000 for a plain transfer. */
  gasLimit?: Units;
  maxFeePerGas?: Units;
  maxPriorityFeePerGas?: Units;
  gasPrice?: Units;
  accessList?: { address: string; storageKeys: string[] }[];
}

export interface BitcoinTransactionInput {
  /** A PSBT (base64 or hex) whose inputs carry witnessUtxo; the wallet signs the inputs that spend its address. */
  psbt?: string;
  /** Or: the wallet's UTXOs to spend … */
  inputs?: { txid: string; vout: number; value: Units; sequence?: number }[];
  /** … and either every output … */
  outputs?: { address: string; value: Units }[];
  /** … or one payment and a fee, the change going back to the wallet. */
  to?: string;
  value?: Units;
  fee?: Units;
  locktime?: number;
}

export interface MpcSignInput {
  walletId: string;
  transaction: EvmTransactionInput | BitcoinTransactionInput;
}

export type MpcSignedTransaction = SignedTransaction;
export type MpcSignedHash = SignedHash;

/** bigints become decimal strings (JSON has no bigint); unsafe numbers are refused before they lose digits. */
function jsonAmounts(value: unknown, field: string): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new RangeError(`"${field}" is ${value}, beyond exact numbers: pass a bigint or a decimal string`);
  }
  if (Array.isArray(value)) return value.map((v, i) => jsonAmounts(v, `${field}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonAmounts(v, `${field}.${k}`)]));
  return value;
}

export class MpcClient {
  constructor(private readonly http: Transport) {}

  generateWallet(input: GenerateWalletInput): Promise<MpcWallet> {
    requireObject(input, 'input');
    requireString(input.chain, 'chain');
    return this.http.call({ method: 'POST', path: '/v1/mpc/wallets', body: input, idempotent: false, ceremony: true });
  }

  /** Build the chain's transaction, check policies, threshold-sign it, and return it signed and serialized. */
  sign(input: MpcSignInput): Promise<MpcSignedTransaction> {
    requireObject(input, 'input');
    requireObject(input.transaction, 'transaction');
    return this.http.call({
      method: 'POST',
      path: `/v1/mpc/wallets/${seg(input.walletId, 'walletId')}/sign`,
      body: { transaction: jsonAmounts(input.transaction, 'transaction') },
      idempotent: false,
      ceremony: true,
    });
  }

  /** Sign a 32-byte digest you computed yourself (hex). Refused by rules with `maxAmount`: it carries no amount. */
  signHash(input: { walletId: string; hash: string }): Promise<MpcSignedHash> {
    requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `/v1/mpc/wallets/${seg(input.walletId, 'walletId')}/sign-hash`, body: { hash: requireString(input.hash, 'hash') }, idempotent: false, ceremony: true });
  }

  get(walletId: string): Promise<MpcWallet> {
    return this.http.call({ method: 'GET', path: `/v1/mpc/wallets/${seg(walletId, 'walletId')}`, idempotent: true });
  }

  list(input: { limit?: number; cursor?: string } = {}): Promise<{ wallets: MpcWallet[]; nextCursor?: string }> {
    return this.http.call({ method: 'GET', path: '/v1/mpc/wallets', query: { limit: input.limit, cursor: input.cursor }, idempotent: true });
  }

  /**
   * Delete a wallet: every node holding a share of its key erases it, for good; afterwards the wallet signs nothing
   * and its id is not reused. Fails (503) and keeps the wallet while a holder is unreachable; retrying is safe.
   */
  async delete(walletId: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/v1/mpc/wallets/${seg(walletId, 'walletId')}`, idempotent: true, ceremony: true });
  }
}
