/**
 * Bitcoin wallet outputs: P2TR (bech32m, BIP-350) for a FROST key, whose public key already is the BIP-341
 * tweaked output key, and P2WPKH (bech32, BIP-173) for a CGGMP21 key.
 */
import { Address, OutScript, p2wpkh } from '@scure/btc-signer';
import { InvalidInputError } from '../../../server/errors.js';
import type { AddressType, BitcoinNetwork } from '../chains.js';

export interface WalletOutput {
  address: string;
  script: Uint8Array;
}

export function walletOutput(addressType: AddressType, publicKey: Uint8Array, network: BitcoinNetwork): WalletOutput {
  if (addressType === 'taproot') {
    if (publicKey.length !== 32) throw new RangeError(`a Taproot wallet key is x-only: expected 32 bytes, got ${publicKey.length}`);
    // The key is used as the output key as is: tweaking it again (as p2tr() would) pays a key nobody holds.
    return { address: Address(network).encode({ type: 'tr', pubkey: publicKey }), script: OutScript.encode({ type: 'tr', pubkey: publicKey }) };
  }
  if (publicKey.length !== 33) throw new RangeError(`a SegWit wallet key is compressed SEC1: expected 33 bytes, got ${publicKey.length}`);
  const payment = p2wpkh(publicKey, network);
  return { address: payment.address!, script: payment.script };
}

/** The output script an address pays to, on this network only. */
export function scriptOfAddress(address: unknown, network: BitcoinNetwork, field: string): Uint8Array {
  if (typeof address !== 'string' || address.length > 100) throw new InvalidInputError(`"${field}" expected a Bitcoin address, got ${JSON.stringify(address)}`);
  try {
    return OutScript.encode(Address(network).decode(address));
  } catch (e) {
    throw new InvalidInputError(`"${field}" is not a valid ${network.bech32} address: ${(e as Error).message}`);
  }
}
