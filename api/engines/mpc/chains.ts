/**
 * The chains a wallet can live on, and the asset it holds there: the chain's native currency or an ERC-20
 * token. Protocol follows chain: CGGMP21 (ECDSA) for EVM chains and SegWit v0, FROST/BIP-340 for Taproot.
 */
import { NETWORK, TEST_NETWORK } from '@scure/btc-signer';
import { InvalidInputError } from '../../server/errors.js';
import { parseAddress, toChecksumAddress } from './evm/address.js';

export type BitcoinNetwork = typeof NETWORK;
export type AddressType = 'taproot' | 'segwit';
export type WalletProtocol = 'cggmp21' | 'frost-taproot';

export interface Asset {
  /** The currency's symbol, as the caller named it (e.g. USDC, ETH, BTC). */
  currency: string;
  decimals: number;
  /** ERC-20 contract (EIP-55), absent for the native currency. */
  tokenContract?: string;
}

interface EvmChainInfo {
  chainId: number;
  native: string;
  /** Other accepted names of the native currency. */
  aliases?: string[];
}

const EVM_CHAINS: Record<string, EvmChainInfo> = {
  ethereum: { chainId: 1, native: 'ETH' },
  sepolia: { chainId: 11155111, native: 'ETH' },
  polygon: { chainId: 137, native: 'POL', aliases: ['MATIC'] },
  'polygon-amoy': { chainId: 80002, native: 'POL', aliases: ['MATIC'] },
  arbitrum: { chainId: 42161, native: 'ETH' },
  optimism: { chainId: 10, native: 'ETH' },
  base: { chainId: 8453, native: 'ETH' },
  bsc: { chainId: 56, native: 'BNB' },
  avalanche: { chainId: 43114, native: 'AVAX' },
};

/** Any other EVM chain: the caller gives `chainId` and names its native currency. */
export const GENERIC_EVM = 'evm';

// Issuer-published contracts of the stablecoins treasuries ask for by name; others are passed as `token`.
const KNOWN_TOKENS: Record<string, Record<string, { contract: string; decimals: number }>> = {
  ethereum: {
    USDC: { contract: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', decimals: 6 },
    USDT: { contract: '0xdac17f958d2ee523a2206206994597c13d831ec7', decimals: 6 },
  },
  sepolia: { USDC: { contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238', decimals: 6 } },
  polygon: { USDC: { contract: '0x3c499c542cef5e3811e1192ce70d8cc03d5c3359', decimals: 6 } },
  arbitrum: { USDC: { contract: '0xaf88d065e77c8cc2239327c5edb3a432268e5831', decimals: 6 } },
  optimism: { USDC: { contract: '0x0b2c639c533813f4aa9d7837caf62653d097ff85', decimals: 6 } },
  base: { USDC: { contract: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913', decimals: 6 } },
  avalanche: { USDC: { contract: '0xb97ef9ef8734c71904d8002f8b6bc66dd9c48a6e', decimals: 6 } },
};

const REGTEST: BitcoinNetwork = { ...TEST_NETWORK, bech32: 'bcrt' };
const BITCOIN_CHAINS: Record<string, BitcoinNetwork> = { bitcoin: NETWORK, 'bitcoin-testnet': TEST_NETWORK, 'bitcoin-regtest': REGTEST };

export const CHAINS: readonly string[] = [...Object.keys(EVM_CHAINS), GENERIC_EVM, ...Object.keys(BITCOIN_CHAINS)];

export interface EvmChain {
  family: 'evm';
  name: string;
  chainId: number;
  protocol: 'cggmp21';
  native: Asset;
  asset: Asset;
}

export interface BitcoinChain {
  family: 'bitcoin';
  name: string;
  network: BitcoinNetwork;
  addressType: AddressType;
  protocol: WalletProtocol;
  native: Asset;
  asset: Asset;
}

export type ResolvedChain = EvmChain | BitcoinChain;

export interface ChainRequest {
  chain: string;
  currency?: string | undefined;
  chainId?: number | undefined;
  token?: { contract: string; decimals: number } | undefined;
  addressType?: AddressType | undefined;
}

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

function tokenAsset(currency: string, token: { contract: string; decimals: number }): Asset {
  if (!Number.isInteger(token.decimals) || token.decimals < 0 || token.decimals > 36) {
    throw new InvalidInputError(`"token.decimals" expected integer 0..36, got ${token.decimals}`);
  }
  return { currency, decimals: token.decimals, tokenContract: toChecksumAddress(parseAddress(token.contract, 'token.contract')) };
}

function resolveEvm(request: ChainRequest): EvmChain {
  const known = EVM_CHAINS[request.chain];
  let info: EvmChainInfo;
  if (known) {
    if (request.chainId !== undefined && request.chainId !== known.chainId) {
      throw new InvalidInputError(`"chainId" of ${request.chain} is ${known.chainId}, got ${request.chainId}`);
    }
    info = known;
  } else {
    const chainId = request.chainId;
    if (chainId === undefined || !Number.isSafeInteger(chainId) || chainId < 1) {
      throw new InvalidInputError(`chain "evm" expected "chainId" as a positive integer, got ${JSON.stringify(chainId)}`);
    }
    if (!request.currency) throw new InvalidInputError('chain "evm" expected "currency": the symbol of its native currency (or of the token, with "token")');
    // With a token, this chain's native currency has no name we know: it is recorded as NATIVE.
    info = { chainId, native: request.token ? 'NATIVE' : request.currency };
  }
  const native: Asset = { currency: info.native, decimals: 18 };
  const currency = request.currency ?? info.native;
  const isNative = !request.token && (same(currency, info.native) || (info.aliases ?? []).some((a) => same(a, currency)));
  let asset: Asset;
  if (isNative) asset = native;
  else if (request.token) asset = tokenAsset(currency, request.token);
  else {
    const knownToken = Object.entries(KNOWN_TOKENS[request.chain] ?? {}).find(([symbol]) => same(symbol, currency));
    if (!knownToken) {
      throw new InvalidInputError(`"currency" ${currency} is not known on ${request.chain}: pass "token": { "contract": "0x…", "decimals": n }`, 'unknown_currency');
    }
    asset = tokenAsset(knownToken[0], knownToken[1]);
  }
  return { family: 'evm', name: request.chain, chainId: info.chainId, protocol: 'cggmp21', native, asset };
}

function resolveBitcoin(request: ChainRequest, network: BitcoinNetwork): BitcoinChain {
  if (request.currency !== undefined && !same(request.currency, 'BTC')) throw new InvalidInputError(`"currency" on ${request.chain} expected BTC, got ${request.currency}`);
  if (request.token) throw new InvalidInputError(`"token" is for EVM chains, not ${request.chain}`);
  if (request.chainId !== undefined) throw new InvalidInputError(`"chainId" is for EVM chains, not ${request.chain}`);
  const addressType = request.addressType ?? 'taproot';
  const native: Asset = { currency: 'BTC', decimals: 8 };
  return { family: 'bitcoin', name: request.chain, network, addressType, protocol: addressType === 'taproot' ? 'frost-taproot' : 'cggmp21', native, asset: native };
}

export function resolveChain(request: ChainRequest): ResolvedChain {
  const network = BITCOIN_CHAINS[request.chain];
  if (network) return resolveBitcoin(request, network);
  if (request.addressType !== undefined) throw new InvalidInputError(`"addressType" is for Bitcoin chains, not ${request.chain}`);
  if (request.chain === GENERIC_EVM || EVM_CHAINS[request.chain]) return resolveEvm(request);
  throw new InvalidInputError(`"chain" expected one of ${CHAINS.join(', ')}, got ${JSON.stringify(request.chain)}`, 'unknown_chain');
}

export function bitcoinNetwork(chain: string): BitcoinNetwork {
  const network = BITCOIN_CHAINS[chain];
  if (!network) throw new InvalidInputError(`"chain" ${chain} is not a Bitcoin chain`);
  return network;
}
