/** Chains, currencies and the EVM planner: what gets signed, and the amount `maxAmount` is checked against. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { getAddress, Interface, Transaction } from 'ethers';
import { resolveChain, type EvmChain } from '../../../api/engines/mpc/chains.js';
import { planEvm, type EvmTxRequest } from '../../../api/engines/mpc/evm/plan.js';
import { formatUnits, parseUnits } from '../../../api/engines/mpc/units.js';
import { serializeSigned } from '../../../api/engines/mpc/evm/transaction.js';

const erc20 = new Interface(['function transfer(address,uint256)']);
const recipient = getAddress('0x' + randomBytes(20).toString('hex'));
const fees = { nonce: 3, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };

describe('amounts', () => {
  it('parses base units from decimal strings, hex, safe integers and bigints; formats whole units exactly', () => {
    expect(parseUnits('1000000000000000000000', 'v')).toBe(10n ** 21n);
    expect(parseUnits('0x10', 'v')).toBe(16n);
    expect(parseUnits(7, 'v')).toBe(7n);
    expect(parseUnits(9n, 'v')).toBe(9n);
    expect(formatUnits(1_500_000n, 6)).toBe('1.5');
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001');
    expect(formatUnits(10n ** 24n, 18)).toBe('1000000');
    expect(formatUnits(0n, 8)).toBe('0');
  });

  it('float, negative, unsafe or oversized amounts are refused, naming the field', () => {
    expect(() => parseUnits(1.5, 'transaction.value')).toThrow(/"transaction.value" expected a non-negative integer/);
    expect(() => parseUnits(-1, 'v')).toThrow(/"v"/);
    expect(() => parseUnits(2 ** 60, 'v')).toThrow(/decimal string/);
    expect(() => parseUnits('1e18', 'v')).toThrow(/"v"/);
    expect(() => parseUnits('012', 'v')).toThrow(/"v"/);
    expect(() => parseUnits((1n << 256n).toString(), 'v')).toThrow(/expected 0\.\./);
  });
});

describe('chains', () => {
  it('polygon USDC resolves to the issuer contract with 6 decimals; native currencies by symbol or alias', () => {
    const chain = resolveChain({ chain: 'polygon', currency: 'USDC' }) as EvmChain;
    expect(chain).toMatchObject({ family: 'evm', chainId: 137, protocol: 'cggmp21', asset: { currency: 'USDC', decimals: 6, tokenContract: '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359' } });
    expect(resolveChain({ chain: 'polygon', currency: 'matic' }).asset).toEqual({ currency: 'POL', decimals: 18 });
    expect(resolveChain({ chain: 'ethereum' }).asset).toEqual({ currency: 'ETH', decimals: 18 });
    expect(resolveChain({ chain: 'evm', chainId: 96369, currency: 'LUX' })).toMatchObject({ chainId: 96369, asset: { currency: 'LUX' } });
  });

  it('every built-in token contract is a valid EIP-55 address', () => {
    for (const [chain, currency] of [['ethereum', 'USDC'], ['ethereum', 'USDT'], ['sepolia', 'USDC'], ['polygon', 'USDC'], ['arbitrum', 'USDC'], ['optimism', 'USDC'], ['base', 'USDC'], ['avalanche', 'USDC']] as const) {
      const contract = resolveChain({ chain, currency }).asset.tokenContract!;
      expect(getAddress(contract)).toBe(contract);
    }
  });

  it('bitcoin: taproot by default (FROST), segwit on request (CGGMP21)', () => {
    expect(resolveChain({ chain: 'bitcoin' })).toMatchObject({ protocol: 'frost-taproot', addressType: 'taproot', asset: { currency: 'BTC', decimals: 8 } });
    expect(resolveChain({ chain: 'bitcoin-testnet', addressType: 'segwit' })).toMatchObject({ protocol: 'cggmp21' });
  });

  it('unknown chain, unknown token, mismatched chainId and misplaced options are refused', () => {
    expect(() => resolveChain({ chain: 'dogecoin' })).toThrow(/"chain" expected one of/);
    expect(() => resolveChain({ chain: 'polygon', currency: 'FOO' })).toThrow(/pass "token"/);
    expect(() => resolveChain({ chain: 'polygon', chainId: 1 })).toThrow(/"chainId" of polygon is 137/);
    expect(() => resolveChain({ chain: 'evm', currency: 'X' })).toThrow(/"chainId"/);
    expect(() => resolveChain({ chain: 'bitcoin', currency: 'ETH' })).toThrow(/expected BTC/);
    expect(() => resolveChain({ chain: 'ethereum', addressType: 'taproot' })).toThrow(/Bitcoin chains/);
  });
});

describe('planEvm', () => {
  const usdc = resolveChain({ chain: 'polygon', currency: 'USDC' }) as EvmChain;
  const eth = resolveChain({ chain: 'ethereum' }) as EvmChain;
  const plan = (chain: EvmChain, request: Partial<EvmTxRequest>) => planEvm(chain, { to: recipient, ...fees, ...request } as EvmTxRequest);
  const parse = (p: ReturnType<typeof planEvm>) => Transaction.from('0x' + Buffer.from(serializeSigned(p.tx, { r: 1n, s: 1n, yParity: 0 })).toString('hex'));

  it('a token wallet without data pays `value` tokens: a transfer call to the token contract carrying no ether', () => {
    const p = plan(usdc, { value: '2500000', gasLimit: 65000 });
    const tx = parse(p);
    expect(tx.to).toBe(usdc.asset.tokenContract);
    expect(tx.value).toBe(0n);
    expect(tx.data).toBe(erc20.encodeFunctionData('transfer', [recipient, 2_500_000n]));
    expect(p.amount).toEqual({ value: 2_500_000n, currency: 'USDC', decimals: 6 });
  });

  it('caller-built ERC-20 calldata to the wallet token counts its token amount', () => {
    const data = erc20.encodeFunctionData('transfer', [getAddress('0x' + randomBytes(20).toString('hex')), 9_000_000n]);
    const p = plan(usdc, { to: usdc.asset.tokenContract!, data, gasLimit: 65000 });
    expect(p.amount).toEqual({ value: 9_000_000n, currency: 'USDC', decimals: 6 });
    expect(() => plan(usdc, { to: usdc.asset.tokenContract!, data, value: 1, gasLimit: 65000 })).toThrow(/no native value/);
  });

  it('other calldata leaves the amount unknown, so a maxAmount rule fails closed', () => {
    expect(plan(usdc, { to: recipient, data: '0xdeadbeef', gasLimit: 100000 }).amount).toBeUndefined();
    expect(plan(eth, { data: '0x12345678', value: '5', gasLimit: 100000 }).amount).toBeUndefined();
  });

  it('native transfers: wei amount, 21000 gas by default; the token wallet can send the native currency by naming it', () => {
    const p = plan(eth, { value: '1000000000000000000' });
    expect(p.tx.gasLimit).toBe(21000n);
    expect(p.amount).toEqual({ value: 10n ** 18n, currency: 'ETH', decimals: 18 });
    expect(plan(usdc, { value: '7', currency: 'POL' }).amount).toEqual({ value: 7n, currency: 'POL', decimals: 18 });
  });

  it('legacy EIP-155 from gasPrice; chainId from the wallet', () => {
    const p = plan(eth, { maxFeePerGas: undefined, maxPriorityFeePerGas: undefined, gasPrice: '20000000000', value: 1 } as Partial<EvmTxRequest>);
    const tx = parse(p);
    expect(tx.type).toBe(0);
    expect(tx.chainId).toBe(1n);
  });

  it('bad requests are refused before anything is signed', () => {
    expect(() => plan(eth, { chainId: 137 })).toThrow(/not this wallet's chain/);
    expect(() => planEvm(eth, { to: recipient, maxFeePerGas: 1, maxPriorityFeePerGas: 1 })).toThrow(/"transaction.nonce" is required/);
    expect(() => plan(eth, { gasPrice: 1 })).toThrow(/not both/);
    expect(() => planEvm(eth, { to: recipient, nonce: 1 })).toThrow(/fee fields/);
    expect(() => plan(eth, { maxPriorityFeePerGas: '40000000000' })).toThrow(/exceeds "maxFeePerGas"/);
    expect(() => plan(eth, { data: '0xabcd' })).toThrow(/"transaction.gasLimit" is required/);
    expect(() => plan(eth, { data: '0xabc' })).toThrow(/hex bytes/);
    expect(() => plan(usdc, { value: 1, currency: 'DAI' })).toThrow(/expected USDC or POL/);
    expect(() => plan(eth, { value: 1.5 })).toThrow(/"transaction.value"/);
  });
});
