/**
 * Stored form of a party's aux info (sealed by the node): its own Paillier primes and ring-Pedersen secret, and
 * every party's public Paillier modulus and ring-Pedersen parameters. Decoding rebuilds and re-checks all of it.
 */
import { MalformedError, type PartyId } from '../errors.js';
import { PaillierPublicKey, PaillierSecretKey } from '../math/paillier.js';
import { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { WireValue } from '../math/wire.js';
import { validateParties } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import { PARAMETER_SETS } from './params.js';
import type { AuxInfo, PartyAuxPublic } from './types.js';

export function encodeAuxInfo(aux: AuxInfo): WireValue {
  const own = aux.paillier.toRecord();
  const rp = aux.ringPedersen.toRecord();
  return {
    v: 1,
    params: aux.params.name,
    parties: [...aux.parties],
    self: aux.self,
    p: own.p,
    q: own.q,
    s: rp.s,
    t: rp.t,
    lambda: rp.lambda,
    publics: aux.parties.map((j) => {
      const pub = aux.publics.get(j)!;
      return { N: pub.paillier.N, s: pub.ringPedersen.s, t: pub.ringPedersen.t };
    }),
  };
}

export function decodeAuxInfo(value: WireValue): AuxInfo {
  const r = new PayloadReader(value, 'aux info');
  if (r.integer('v') !== 1) throw new MalformedError('aux info: unknown version');
  const name = r.string('params', 32);
  const params = PARAMETER_SETS[name as keyof typeof PARAMETER_SETS];
  if (!params) throw new MalformedError(`aux info: unknown parameter set "${name}"`);
  const bits = params.paillierBits;
  let parties: PartyId[];
  try {
    parties = validateParties(r.list('parties') as number[]);
  } catch (e) {
    throw new MalformedError(`aux info: ${(e as Error).message}`);
  }
  const self = r.integer('self');
  if (!parties.includes(self)) throw new MalformedError('aux info: "self" is not one of its parties');
  const paillier = PaillierSecretKey.fromRecord({ p: r.bigint('p', bits), q: r.bigint('q', bits) }, bits);
  const ringPedersen = RingPedersenSecret.fromRecord({ s: r.bigint('s', bits), t: r.bigint('t', bits), lambda: r.bigint('lambda', bits) }, paillier);
  const entries = r.list('publics', parties.length);
  const publics = new Map<PartyId, PartyAuxPublic>();
  entries.forEach((entry, i) => {
    const e = new PayloadReader(entry, `aux info publics[${i}]`);
    const N = e.bigint('N', bits);
    publics.set(parties[i]!, { paillier: new PaillierPublicKey(N, bits), ringPedersen: new RingPedersenParams(N, e.bigint('s', bits), e.bigint('t', bits)) });
  });
  const mine = publics.get(self)!;
  if (mine.paillier.N !== paillier.N || mine.ringPedersen.s !== ringPedersen.params.s || mine.ringPedersen.t !== ringPedersen.params.t) {
    throw new MalformedError('aux info: own public entry does not match own secret');
  }
  return { params, parties, self, paillier, ringPedersen, publics };
}
