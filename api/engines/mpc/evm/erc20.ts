/**
 * ERC-20 calldata: building `transfer(address,uint256)` and reading the token amount out of the calls that
 * move or expose tokens, so `maxAmount` can be checked against what the transaction really does.
 */
import { MAX_UINT256 } from '../units.js';

// First 4 bytes of keccak256 of each signature (fixed by the ABI; asserted against keccak in the tests).
export const SELECTORS = {
  transfer: 'a9059cbb', // transfer(address,uint256)
  approve: '095ea7b3', // approve(address,uint256)
  transferFrom: '23b872dd', // transferFrom(address,address,uint256)
} as const;

export type TokenMethod = keyof typeof SELECTORS;

const word = (n: bigint) => n.toString(16).padStart(64, '0');

export function encodeTransfer(to: Uint8Array, amount: bigint): Uint8Array {
  if (to.length !== 20) throw new RangeError(`"to" expected 20 bytes, got ${to.length}`);
  if (amount < 0n || amount > MAX_UINT256) throw new RangeError(`"amount" expected 0..2^256-1, got ${amount}`);
  return Uint8Array.from(Buffer.from(SELECTORS.transfer + Buffer.from(to).toString('hex').padStart(64, '0') + word(amount), 'hex'));
}

export interface TokenCall {
  method: TokenMethod;
  /** The recipient (transfer, transferFrom) or spender (approve). */
  counterparty: Uint8Array;
  amount: bigint;
}

/**
 * The token call this calldata is, or undefined when it is anything else. Strict: exact length and clean
 * address words, so padded or trailing bytes cannot make a call read differently here than on chain.
 */
export function decodeTokenCall(data: Uint8Array): TokenCall | undefined {
  const hex = Buffer.from(data).toString('hex');
  const method = (Object.keys(SELECTORS) as TokenMethod[]).find((m) => hex.startsWith(SELECTORS[m]));
  if (!method) return undefined;
  const words = method === 'transferFrom' ? 3 : 2;
  if (data.length !== 4 + 32 * words) return undefined;
  const w = (i: number) => hex.slice(8 + 64 * i, 8 + 64 * (i + 1));
  for (let i = 0; i < words - 1; i++) if (!w(i).startsWith('0'.repeat(24))) return undefined;
  const counterparty = Uint8Array.from(Buffer.from(w(words - 2).slice(24), 'hex'));
  return { method, counterparty, amount: BigInt('0x' + w(words - 1)) };
}
