/** The stored key share: round trip, and each field that can be wrong in a record is caught on load. */
import { describe, expect, it, beforeAll } from 'vitest';
import { MalformedError, type PartyId } from '../../../protocols/errors.js';
import { decodeWire, encodeWire, type WireValue } from '../../../protocols/math/wire.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import { deserializeKeyShare, frostKeygen, frostSign, serializeKeyShare, type FrostKeyShare } from '../../../protocols/frost/index.js';
import { keygen } from './harness.js';

type Record_ = { [key: string]: WireValue };

function edited(share: FrostKeyShare, edit: (r: Record_) => void): Uint8Array {
  const record = decodeWire(serializeKeyShare(share)) as Record_;
  edit(record);
  return encodeWire(record);
}

const flip = (b: WireValue): Uint8Array => {
  const out = Uint8Array.from(b as Uint8Array);
  out[out.length - 1]! ^= 1;
  return out;
};

describe('FROST key share storage', () => {
  let plain: Map<PartyId, FrostKeyShare>;
  let taproot: Map<PartyId, FrostKeyShare>;
  beforeAll(() => {
    plain = keygen('frost', 2, 3);
    taproot = keygen('frost-taproot', 2, 3);
  });

  it('round-trips both kinds of share exactly', () => {
    for (const share of [plain.get(1)!, taproot.get(3)!]) expect(deserializeKeyShare(serializeKeyShare(share))).toEqual(share);
  });

  const rejections: [string, 'frost' | 'frost-taproot', (r: Record_) => void, RegExp][] = [
    ['a secret share that does not match its verifying share', 'frost', (r) => (r.secretShare = flip(r.secretShare!)), /secretShare/],
    ['a verifying share off the commitments', 'frost', (r) => ((r.verifyingShares as WireValue[])[1] = (r.verifyingShares as WireValue[])[2]!), /verifyingShares\[2\]/],
    ['a public key that is not commitments[0]', 'frost', (r) => (r.publicKey = (r.verifyingShares as WireValue[])[0]!), /publicKey/],
    ['a commitment that is not a point', 'frost', (r) => ((r.commitments as WireValue[])[1] = new Uint8Array(33)), /commitments\[1\]/],
    ['a threshold above the party count', 'frost', (r) => (r.threshold = 4), /"threshold" expected integer 2\.\.3, got 4/],
    ['a 1-of-n threshold', 'frost', (r) => (r.threshold = 1), /"threshold" expected integer 2\.\.3, got 1/],
    ['self outside the parties', 'frost', (r) => (r.self = 9), /"self"/],
    ['an unknown protocol', 'frost', (r) => (r.protocol = 'frost-ed25519'), /"protocol"/],
    ['an unknown format version', 'frost', (r) => (r.v = 2), /"v" expected 1/],
    ['a negative generation', 'frost', (r) => (r.generation = -1), /"generation"/],
    ['a Taproot key published untweaked (internal key as public key)', 'frost-taproot', (r) => (r.publicKey = r.internalKey!), /publicKey/],
    ['a Taproot internal key that does not tweak to the group key', 'frost-taproot', (r) => (r.internalKey = (r.publicKey as Uint8Array)), /internalKey/],
    ['a Taproot share without its internal key', 'frost-taproot', (r) => delete r.internalKey, /"internalKey"/],
    ['a plain share carrying an internal key', 'frost', (r) => (r.internalKey = new Uint8Array(32)), /"internalKey"/],
  ];
  for (const [name, protocol, edit, message] of rejections) {
    it(`rejects ${name}`, () => {
      const share = (protocol === 'frost' ? plain : taproot).get(1)!;
      expect(() => deserializeKeyShare(edited(share, edit))).toThrow(MalformedError);
      expect(() => deserializeKeyShare(edited(share, edit))).toThrow(message);
    });
  }

  it('rejects bytes that are not a record', () => {
    expect(() => deserializeKeyShare(Uint8Array.of(1, 2, 3))).toThrow(MalformedError);
    expect(() => deserializeKeyShare(Uint8Array.from([...serializeKeyShare(plain.get(1)!), 0]))).toThrow(/trailing/);
  });
});

describe('FROST protocol inputs', () => {
  const auth = new SimulatedIdentities([1, 2, 3]).authenticator(1);
  const base = { protocol: 'frost' as const, sessionId: 's', self: 1, parties: [1, 2, 3], threshold: 2, auth };

  it('keygen names the bad option', () => {
    expect(() => frostKeygen({ ...base, threshold: 1 })).toThrow(new RangeError('"threshold" expected integer 2..3, got 1'));
    expect(() => frostKeygen({ ...base, threshold: 4 })).toThrow(RangeError);
    expect(() => frostKeygen({ ...base, self: 4 })).toThrow(/"self"/);
    expect(() => frostKeygen({ ...base, parties: [1, 2, 2] })).toThrow(/appears twice/);
    expect(() => frostKeygen({ ...base, protocol: 'schnorr' as never })).toThrow(TypeError);
    expect(() => frostKeygen({ ...base, sessionId: '' })).toThrow(TypeError);
  });

  it('signing names the bad option', () => {
    const share = keygen('frost', 2, 3).get(1)!;
    const sign = { share, signers: [1, 2], message: new Uint8Array(32), sessionId: 's', auth };
    expect(() => frostSign({ ...sign, signers: [1] })).toThrow(new RangeError('"signers" expected 2..3 parties, got 1'));
    expect(() => frostSign({ ...sign, signers: [1, 4] })).toThrow(/"signers" expected parties of the key/);
    expect(() => frostSign({ ...sign, signers: [2, 3] })).toThrow(/include this party/);
    expect(() => frostSign({ ...sign, message: 'hello' as never })).toThrow(TypeError);
    expect(() => frostSign({ ...sign, share: { ...share, secretShare: new Uint8Array(31) } })).toThrow(new RangeError('"secretShare" expected 32 bytes, got 31'));
  });
});
