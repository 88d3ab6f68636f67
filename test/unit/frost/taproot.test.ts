/** BIP-341 key-path tweak helpers, checked against two independent implementations. */
import { utils as btcUtils } from '@scure/btc-signer';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { mulBase, scalarToBytes } from '../../../protocols/math/curve.js';
import { liftX, tapTweak, taprootOutputKey, taprootOutputPoint, xOnly } from '../../../protocols/frost/index.js';

describe('taproot helpers', () => {
  it('the output key matches btc-signer and tiny-secp256k1 for 20 internal keys (both y parities)', () => {
    let checked = 0;
    for (let i = 1n; i <= 20n; i++) {
      const internalKey = xOnly(mulBase(i * 0x1234567n + 99n));
      const [btcKey, btcParity] = btcUtils.taprootTweakPubkey(internalKey, new Uint8Array(0));
      expect(taprootOutputKey(internalKey)).toEqual(btcKey);
      const tinyResult = tiny.xOnlyPointAddTweak(internalKey, scalarToBytes(tapTweak(internalKey)));
      expect(tinyResult!.xOnlyPubkey).toEqual(taprootOutputKey(internalKey));
      expect(tinyResult!.parity).toBe(btcParity);
      expect(taprootOutputPoint(internalKey).toBytes(true)[0]).toBe(2 + btcParity);
      checked++;
    }
    expect(checked).toBe(20);
  });

  it('liftX picks the even-y point and rejects what is not an x coordinate', () => {
    const odd = [...Array(10).keys()].map((i) => mulBase(BigInt(i) + 1n)).find((p) => p.toBytes(true)[0] === 3)!;
    expect(liftX(xOnly(odd)).equals(odd.negate())).toBe(true);
    expect(() => liftX(new Uint8Array(32).fill(0xff))).toThrow(RangeError);
    expect(() => liftX(new Uint8Array(31))).toThrow(new RangeError('"x-only key" expected 32 bytes, got 31'));
  });
});
