/**
 * Threshold keys: the secret exists only as shares on the party cluster; the gateway asks the cluster to run
 * keygen and signing ceremonies. `ThresholdSigner` is the slice of the node's cluster client the engine needs, so
 * a gateway inside a node passes its cluster client as is, and unit tests pass a small in-process signer.
 */
import { createPublicKey } from 'node:crypto';
import type { PartyId } from '../../../protocols/errors.js';
import { GatewayError, invalid } from '../../server/errors.js';
import { decryptionFailed, type BackendSignature, type Generated, type GenerateRequest, type KeyBackend, type SignInput } from './backend.js';
import { uncompressPoint } from './ecdsa.js';
import type { KeyType, SigningAlgorithm } from './key-types.js';
import type { Material } from './records.js';

export interface ThresholdSigner {
  keygen(request: { protocol: 'cggmp21'; threshold: number; parties: PartyId[] }): Promise<{ keyId: string; publicKey: string; threshold: number; parties: PartyId[] }>;
  /** `signature`: hex 64-byte low-s r‖s over `digest`; `recovery`: its recovery id, when the signer reports it. */
  sign(request: { keyId: string; digest: Uint8Array }): Promise<{ signature: string; publicKey: string; recovery?: number }>;
  /** Cluster members, for the default committee (all of them). */
  status(): { members: ReadonlyArray<{ id: PartyId }> };
  /**
   * Erase every node's share of the key; resolves only once every holder has (a holder that no longer has it counts
   * as done, so a retry after a partial failure succeeds). Rejects, erasing nothing, when a holder does not take part.
   */
  retire(keyId: string): Promise<{ retired: PartyId[]; alreadyRetired: PartyId[] }>;
}

export interface Committee {
  threshold: number;
  parties: PartyId[];
}

export const thresholdUnavailable = () =>
  invalid('threshold_unavailable', 'threshold keys need the party cluster, and this gateway runs without one: create the key with "protection": "software" or "hsm"');

/** The committee a threshold key is generated on: all members, and a majority of them unless told otherwise. */
export function resolveCommittee(signer: ThresholdSigner, requested: { threshold?: number | undefined; parties?: PartyId[] | undefined } | undefined): Committee {
  const members = signer.status().members.map((m) => m.id);
  const parties = requested?.parties ? [...new Set(requested.parties)].sort((a, b) => a - b) : members;
  for (const p of parties) if (!members.includes(p)) throw invalid('invalid_committee', `"threshold.parties" has ${p}, which is not a cluster member (members: ${members.join(', ')})`);
  const threshold = requested?.threshold ?? Math.floor(parties.length / 2) + 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > parties.length) {
    throw invalid('invalid_committee', `"threshold.threshold" expected integer 1..${parties.length}, got ${threshold}`);
  }
  return { threshold, parties };
}

/** An SPKI key object for a hex SEC1 secp256k1 point, so threshold versions publish the same fields as the others. */
function publicKeyObject(hex: string) {
  const point = uncompressPoint('ECDSA_SECP256K1', Buffer.from(hex, 'hex'));
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'secp256k1', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) }, format: 'jwk' });
}

export class ThresholdBackend implements KeyBackend {
  constructor(private readonly signer: ThresholdSigner | undefined) {}

  async generate(request: GenerateRequest): Promise<Generated> {
    const signer = this.#signer();
    const committee = request.committee;
    if (!committee) throw new TypeError('threshold key generation needs "committee"');
    const summary = await signer.keygen({ protocol: 'cggmp21', threshold: committee.threshold, parties: committee.parties });
    return { material: { kind: 'threshold', clusterKeyId: summary.keyId }, publicKey: publicKeyObject(summary.publicKey) };
  }

  async sign(_type: KeyType, material: Material, _algorithm: SigningAlgorithm, input: SignInput): Promise<BackendSignature> {
    if (material.kind !== 'threshold') throw new TypeError(`threshold backend given ${material.kind} material`);
    const result = await this.#signer().sign({ keyId: material.clusterKeyId, digest: input.digest });
    return { bytes: new Uint8Array(Buffer.from(result.signature, 'hex')), ...(result.recovery === undefined ? {} : { recovery: result.recovery }) };
  }

  async encrypt(): Promise<Uint8Array> {
    throw new TypeError('threshold keys do not encrypt');
  }

  async decrypt(): Promise<Uint8Array> {
    throw decryptionFailed();
  }

  async mac(): Promise<Uint8Array> {
    throw new TypeError('threshold keys do not compute MACs');
  }

  /**
   * Retires the version's key on the cluster. A failure propagates, so the engine keeps the version's material
   * reference and its record (not `destroyed`) while shares may remain, and the deletion or expiry is retried.
   */
  async destroy(material: Material): Promise<void> {
    if (material.kind !== 'threshold') throw new TypeError(`threshold backend given ${material.kind} material`);
    const signer = this.#signer();
    try {
      await signer.retire(material.clusterKeyId);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError(
        'unavailable',
        'threshold_retire_failed',
        `erasing the shares of cluster key "${material.clusterKeyId}" failed, so the key is kept and the erasure will be retried: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  #signer(): ThresholdSigner {
    if (!this.signer) throw thresholdUnavailable();
    return this.signer;
  }
}
