/**
 * How the cluster runs CGGMP21: keygen then aux info among the key's parties; signing from a pooled presignature
 * when one is ready for the chosen quorum, else a presign ceremony followed by the 1-round signing.
 */
import { verifyEcdsa } from '../../protocols/cggmp21/sign.js';
import { InternalError } from '../../protocols/errors.js';
import { pointFromBytes } from '../../protocols/math/curve.js';
import { agreedField, type ProtocolDriver } from '../cluster.js';
import { newPresignId, type PresignPool } from '../keys/presign-pool.js';

export function cggmp21Driver(pool: PresignPool): ProtocolDriver {
  return {
    async keygen(run, request) {
      const keygen = await run('cggmp21-keygen', request.parties, { keyId: request.keyId, threshold: request.threshold });
      const publicKey = agreedField(keygen, 'publicKey');
      await run('cggmp21-aux', request.parties, { keyId: request.keyId });
      await run('lss-activate', request.parties, { keyId: request.keyId, generation: 0 });
      return { keyId: request.keyId, protocol: 'cggmp21', publicKey, threshold: request.threshold, parties: request.parties, generation: 0 };
    },
    async sign(run, record, digest, signers, approval) {
      let presignId = await pool.reserve(record.keyId, signers);
      try {
        if (!presignId) {
          presignId = newPresignId(signers);
          await run('cggmp21-presign', signers, { keyId: record.keyId, presignId });
        }
        const outcome = await run('cggmp21-sign', signers, { keyId: record.keyId, digest, presignId, approval });
        const signature = agreedField(outcome, 'signature');
        const recovery = agreedField(outcome, 'recovery');
        const r = BigInt('0x' + signature.slice(0, 64));
        const s = BigInt('0x' + signature.slice(64));
        if (!verifyEcdsa(pointFromBytes(Buffer.from(record.publicKey, 'hex')), digest, r, s)) {
          throw new InternalError(`the cluster produced an ECDSA signature that does not verify under key ${record.keyId}`);
        }
        return {
          keyId: record.keyId,
          protocol: 'cggmp21',
          publicKey: record.publicKey,
          signers,
          signature,
          r: signature.slice(0, 64),
          s: signature.slice(64),
          recovery: Number(recovery),
        };
      } finally {
        if (presignId) pool.release(presignId);
      }
    },
  };
}
