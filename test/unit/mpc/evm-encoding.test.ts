/**
 * Our EVM encoding against published vectors and against ethers: RLP, EIP-55, addresses of keys, ERC-20
 * calldata, and EIP-1559 / legacy EIP-155 transactions that ethers parses back to the signer's address.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { computeAddress, getAddress, Interface, keccak256, toUtf8Bytes, Transaction } from 'ethers';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { integerBytes, rlpEncode, type RlpItem } from '../../../api/engines/mpc/evm/rlp.js';
import { addressOfPublicKey, parseAddress, toChecksumAddress } from '../../../api/engines/mpc/evm/address.js';
import { decodeTokenCall, encodeTransfer, SELECTORS } from '../../../api/engines/mpc/evm/erc20.js';
import { serializeSigned, signingHash, type EvmTransaction } from '../../../api/engines/mpc/evm/transaction.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('RLP', () => {
  // The Ethereum wiki's examples of the encoding.
  const vectors: [RlpItem, string][] = [
    [utf8('dog'), '83646f67'],
    [[utf8('cat'), utf8('dog')], 'c88363617483646f67'],
    [new Uint8Array(0), '80'],
    [[], 'c0'],
    [integerBytes(0n), '80'],
    [Uint8Array.of(0), '00'],
    [integerBytes(15n), '0f'],
    [integerBytes(1024n), '820400'],
    [[[], [[]], [[], [[]]]], 'c7c0c1c0c3c0c1c0'],
    [utf8('Lorem ipsum dolor sit amet, consectetur adipisicing elit'), 'b838' + hex(utf8('Lorem ipsum dolor sit amet, consectetur adipisicing elit'))],
  ];
  it(`encodes the ${vectors.length} published examples`, () => {
    for (const [item, expected] of vectors) expect(hex(rlpEncode(item))).toBe(expected);
  });

  it('refuses negative integers', () => {
    expect(() => integerBytes(-1n)).toThrow(RangeError);
  });
});

describe('addresses', () => {
  // EIP-55's own examples.
  const eip55 = ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb'];

  it('checksums the EIP-55 examples and 200 random addresses as ethers does', () => {
    for (const a of eip55) expect(toChecksumAddress(parseAddress(a.toLowerCase(), 'a'))).toBe(a);
    for (let i = 0; i < 200; i++) {
      const raw = '0x' + randomBytes(20).toString('hex');
      expect(toChecksumAddress(parseAddress(raw, 'a'))).toBe(getAddress(raw));
    }
  });

  it('mistyped mixed-case address: refused by its checksum; all-lower and all-upper pass unchecked', () => {
    const good = eip55[0]!;
    const flipped = good.slice(0, 5) + (good[5] === good[5]!.toUpperCase() ? good[5]!.toLowerCase() : good[5]!.toUpperCase()) + good.slice(6);
    expect(() => parseAddress(flipped, 'to')).toThrow(/checksum/);
    expect(parseAddress(good.toLowerCase(), 'to')).toEqual(parseAddress(good, 'to'));
    expect(parseAddress('0x' + good.slice(2).toUpperCase(), 'to')).toEqual(parseAddress(good, 'to'));
    expect(() => parseAddress('0x1234', 'to')).toThrow(/"to" expected a 0x-prefixed 20-byte hex address/);
  });

  it('derives the address of a key as ethers.computeAddress', () => {
    for (let i = 0; i < 20; i++) {
      const pub = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
      expect(toChecksumAddress(addressOfPublicKey(pub))).toBe(computeAddress('0x' + hex(pub)));
    }
  });
});

describe('ERC-20 calldata', () => {
  const erc20 = new Interface(['function transfer(address,uint256)', 'function approve(address,uint256)', 'function transferFrom(address,address,uint256)']);

  it('selectors are keccak256 of the signatures', () => {
    expect(SELECTORS.transfer).toBe(keccak256(toUtf8Bytes('transfer(address,uint256)')).slice(2, 10));
    expect(SELECTORS.approve).toBe(keccak256(toUtf8Bytes('approve(address,uint256)')).slice(2, 10));
    expect(SELECTORS.transferFrom).toBe(keccak256(toUtf8Bytes('transferFrom(address,address,uint256)')).slice(2, 10));
  });

  it('builds transfer(address,uint256) as ethers encodes it, and reads the amount of each token call back', () => {
    const to = randomBytes(20);
    const amount = 123_456_789_000_000_000_000_000n;
    const data = encodeTransfer(to, amount);
    expect('0x' + hex(data)).toBe(erc20.encodeFunctionData('transfer', [getAddress('0x' + hex(to)), amount]));
    expect(decodeTokenCall(data)).toEqual({ method: 'transfer', counterparty: Uint8Array.from(to), amount });
    const approve = Buffer.from(erc20.encodeFunctionData('approve', ['0x' + hex(to), 5n]).slice(2), 'hex');
    expect(decodeTokenCall(approve)?.amount).toBe(5n);
    const from = Buffer.from(erc20.encodeFunctionData('transferFrom', ['0x' + randomBytes(20).toString('hex'), '0x' + hex(to), 7n]).slice(2), 'hex');
    expect(decodeTokenCall(from)).toMatchObject({ method: 'transferFrom', amount: 7n });
  });

  it('padded calldata or a dirty address word is not read as a token call (it could read differently on chain)', () => {
    const data = encodeTransfer(randomBytes(20), 1n);
    expect(decodeTokenCall(Uint8Array.of(...data, 0))).toBeUndefined();
    const dirty = Uint8Array.from(data);
    dirty[4] = 1;
    expect(decodeTokenCall(dirty)).toBeUndefined();
    expect(decodeTokenCall(Uint8Array.of(1, 2, 3, 4))).toBeUndefined();
  });
});

describe('EVM transactions', () => {
  function signWith(secret: Uint8Array, tx: EvmTransaction) {
    const sig = secp256k1.Signature.fromBytes(secp256k1.sign(signingHash(tx), secret, { prehash: false }), 'compact');
    const pub = secp256k1.getPublicKey(secret, true);
    const recovery = ([0, 1] as const).find((r) => sig.addRecoveryBit(r).recoverPublicKey(signingHash(tx)).equals(secp256k1.Point.fromBytes(pub)))!;
    return { serialized: serializeSigned(tx, { r: sig.r, s: sig.s, yParity: recovery }), address: toChecksumAddress(addressOfPublicKey(pub)) };
  }

  const randomTx = (type: 'eip1559' | 'legacy'): EvmTransaction => {
    const common = {
      chainId: BigInt(1 + (randomBytes(4).readUInt32BE() % 100_000)),
      nonce: BigInt(randomBytes(2).readUInt16BE()),
      gasLimit: 21_000n + BigInt(randomBytes(2).readUInt16BE()),
      to: Uint8Array.from(randomBytes(20)),
      value: BigInt('0x' + randomBytes(12).toString('hex')),
      data: Uint8Array.from(randomBytes(randomBytes(1)[0]! % 3 === 0 ? 0 : 68)),
    };
    if (type === 'legacy') return { type, ...common, gasPrice: 1_000_000_000n + BigInt(randomBytes(3).readUIntBE(0, 3)) };
    return {
      type,
      ...common,
      maxPriorityFeePerGas: 1_000_000_000n,
      maxFeePerGas: 30_000_000_000n,
      accessList: randomBytes(1)[0]! % 2 ? [{ address: Uint8Array.from(randomBytes(20)), storageKeys: [Uint8Array.from(randomBytes(32))] }] : [],
    };
  };

  for (const type of ['eip1559', 'legacy'] as const) {
    it(`${type}: ethers parses 25 random signed transactions with every field and the signer's address`, () => {
      for (let i = 0; i < 25; i++) {
        const secret = secp256k1.utils.randomSecretKey();
        const tx = randomTx(type);
        const { serialized, address } = signWith(secret, tx);
        const parsed = Transaction.from('0x' + hex(serialized));
        expect(parsed.type).toBe(type === 'eip1559' ? 2 : 0);
        expect(parsed.from).toBe(address);
        expect(parsed.chainId).toBe(tx.chainId);
        expect(parsed.nonce).toBe(Number(tx.nonce));
        expect(parsed.gasLimit).toBe(tx.gasLimit);
        expect(parsed.to).toBe(getAddress('0x' + hex(tx.to)));
        expect(parsed.value).toBe(tx.value);
        expect(parsed.data).toBe('0x' + hex(tx.data));
        expect(parsed.unsignedHash).toBe('0x' + hex(signingHash(tx)));
        if (tx.type === 'legacy') expect(parsed.gasPrice).toBe(tx.gasPrice);
        else {
          expect(parsed.maxFeePerGas).toBe(tx.maxFeePerGas);
          expect(parsed.accessList?.length).toBe(tx.accessList.length);
        }
      }
    });
  }

  it('a signature is bound to its chain: the same signed bytes under another chainId recover another sender', () => {
    const secret = secp256k1.utils.randomSecretKey();
    const tx = randomTx('legacy');
    const { address } = signWith(secret, tx);
    const sig = secp256k1.Signature.fromBytes(secp256k1.sign(signingHash(tx), secret, { prehash: false }), 'compact');
    const moved = serializeSigned({ ...tx, chainId: tx.chainId + 1n }, { r: sig.r, s: sig.s, yParity: 0 });
    expect(Transaction.from('0x' + hex(moved)).from).not.toBe(address);
  });
});
