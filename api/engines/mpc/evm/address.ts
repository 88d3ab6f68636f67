/** EVM addresses: derived from the wallet's public key, parsed from requests, printed with EIP-55 checksums. */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { pointFromBytes } from '../../../../protocols/math/curve.js';
import { InvalidInputError } from '../../../server/errors.js';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** EIP-55: a hex letter is upper case where the matching nibble of keccak256(lower-case hex) is 8 or more. */
export function toChecksumAddress(address: Uint8Array): string {
  if (address.length !== 20) throw new RangeError(`"address" expected 20 bytes, got ${address.length}`);
  const lower = Buffer.from(address).toString('hex');
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(lower))).toString('hex');
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out;
}

/**
 * A request's address. All-lower or all-upper hex carries no checksum and is taken as is; mixed case must be
 * a valid EIP-55 checksum, since a mistyped character there is exactly what the checksum exists to catch.
 */
export function parseAddress(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    throw new InvalidInputError(`"${field}" expected a 0x-prefixed 20-byte hex address, got ${JSON.stringify(value)}`);
  }
  const bytes = Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
  const body = value.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && toChecksumAddress(bytes) !== value) throw new InvalidInputError(`"${field}" has a wrong EIP-55 checksum: ${value}`, 'bad_checksum');
  return bytes;
}

/** The address of a secp256k1 key: the last 20 bytes of keccak256 of its uncompressed x‖y. */
export function addressOfPublicKey(publicKey: Uint8Array): Uint8Array {
  const uncompressed = pointFromBytes(publicKey).toBytes(false);
  return keccak_256(uncompressed.subarray(1)).subarray(12);
}
