/**
 * CGGMP21 signing, 1 round from a presignature ([P] Fig. 8; guide §4.6): every quorum member broadcasts
 * σ_i = k_i·m + r·χ_i, everyone sums, verifies under Y, normalises to low s and derives the recovery id.
 * The input is a `SpentPresignature`: only `PresignatureHandle.consume()` makes one, after the node has marked the
 * presignature used, and it feeds exactly one session. A failed combined signature is never retried (Lindell17-style
 * leak, CVE-2023-33242): it needs the §4.8 identification.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import { bytesToBigint } from '../math/bigint.js';
import { CURVE_ORDER, G, invertScalar, modQ, mulPublic, scalarToBytes, type Point } from '../math/curve.js';
import { PayloadReader } from '../round/payload.js';
import { ProtocolSession } from '../round/session.js';
import type { PartyAuthenticator, Round } from '../round/types.js';
import { sigmaIdentificationRound } from './identify.js';
import type { SpentPresignature } from './presignature.js';
import type { AuxInfo, EcdsaKeyShare } from './types.js';

export const SIGN_PROTOCOL = 'cggmp21/sign';

export interface EcdsaSignature {
  readonly r: bigint;
  /** Low s: s ≤ (q−1)/2. */
  readonly s: bigint;
  /** 0..3: parity of y(R′) plus 2 if x(R′) ≥ q, for the R′ that matches the low-s signature. */
  readonly recovery: 0 | 1 | 2 | 3;
  /** r‖s, 64 bytes big-endian. */
  readonly compact: Uint8Array;
}

export interface SignInput {
  readonly presignature: SpentPresignature;
  /** The 32-byte message digest (SHA-256, or Keccak-256 for Ethereum), taken big-endian mod q. */
  readonly digest: Uint8Array;
  readonly sessionId: string;
  readonly auth: PartyAuthenticator;
  /**
   * What the §4.8 identification round needs if the combined signature fails: own aux info and the key share the
   * presignature was made with. Without it such a failure aborts unattributed (and the key must lock): pass it.
   */
  readonly identification?: { readonly aux: AuxInfo; readonly share: EcdsaKeyShare };
}

const HALF_ORDER = (CURVE_ORDER - 1n) / 2n;

function digestScalar(digest: Uint8Array): bigint {
  if (!(digest instanceof Uint8Array)) throw new TypeError(`"digest" expected Uint8Array, got ${typeof digest}`);
  if (digest.length !== 32) throw new RangeError(`"digest" expected 32 bytes, got ${digest.length}`);
  return modQ(bytesToBigint(digest));
}

/**
 * Plain ECDSA verification over secp256k1 for a 32-byte digest. r = 0 or s = 0 (or ≥ q) is rejected up front: with
 * s = 0 the inverse does not exist and some verifiers have accepted forgeries there (Taurus 0fc9554).
 */
export function verifyEcdsa(publicKey: Point, digest: Uint8Array, r: bigint, s: bigint): boolean {
  const m = digestScalar(digest);
  if (typeof r !== 'bigint' || typeof s !== 'bigint') throw new TypeError('"r" and "s" expected bigint');
  if (r <= 0n || r >= CURVE_ORDER || s <= 0n || s >= CURVE_ORDER) return false;
  if (publicKey.is0()) return false;
  const w = invertScalar(s);
  const point = mulPublic(G, modQ(m * w)).add(mulPublic(publicKey, modQ(r * w)));
  return !point.is0() && modQ(point.toAffine().x) === r;
}

/** One party's signing session; its result is the verified, low-s signature with its recovery id. */
export function createSignSession(input: SignInput): ProtocolSession<EcdsaSignature> {
  const m = digestScalar(input.digest);
  if (typeof input.sessionId !== 'string' || input.sessionId.length === 0) {
    throw new TypeError(`"sessionId" expected non-empty string, got ${typeof input.sessionId}`);
  }
  const presig = input.presignature.take();
  const { x: Rx, y: Ry } = presig.R.toAffine();
  const r = modQ(Rx);
  // r = 0 has negligible probability; such a presignature can never sign.
  if (r === 0n) throw new RangeError('presignature has r = 0: discard it and presign again');
  const sigmaSelf = modQ(presig.k * m + r * presig.chi);
  const sigmas = new Map<PartyId, bigint>([[presig.self, sigmaSelf]]);

  const round: Round<EcdsaSignature> = {
    number: 1,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      sigmas.set(from, new PayloadReader(payload, 'sign round 1').scalar('sigma'));
    },
    finalize() {
      const sigma = modQ(presig.quorum.reduce((acc, j) => acc + sigmas.get(j)!, 0n));
      if (!verifyEcdsa(presig.publicKey, input.digest, r, sigma)) {
        // §4.8: one more broadcast round names the party whose σ_j does not match its presigning ciphertexts.
        if (input.identification) {
          const { aux, share } = input.identification;
          return sigmaIdentificationRound<EcdsaSignature>({ presignature: presig, aux, share, message: m, sigmas, round: 2 });
        }
        throw new ProtocolAbort('signature check failed: identification required', 1, [], {
          sigmas: presig.quorum.map((j) => ({ party: j, sigma: sigmas.get(j)! })),
        });
      }
      const negate = sigma > HALF_ORDER;
      const s = negate ? CURVE_ORDER - sigma : sigma;
      const parity = Number(Ry & 1n) ^ (negate ? 1 : 0);
      const recovery = (parity + (Rx >= CURVE_ORDER ? 2 : 0)) as EcdsaSignature['recovery'];
      const compact = new Uint8Array(64);
      compact.set(scalarToBytes(r), 0);
      compact.set(scalarToBytes(s), 32);
      return { outgoing: [], result: { r, s, recovery, compact } };
    },
  };

  return new ProtocolSession<EcdsaSignature>({
    sessionId: input.sessionId,
    protocol: SIGN_PROTOCOL,
    self: presig.self,
    parties: presig.quorum,
    auth: input.auth,
    start: () => ({ outgoing: [{ to: null, payload: { sigma: scalarToBytes(sigmaSelf) } }], next: round }),
  });
}
