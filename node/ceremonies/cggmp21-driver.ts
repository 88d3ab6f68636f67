/**
 * How the cluster runs CGGMP21: keygen then aux info among the key's parties; signing from a pooled presignature
 * when one is ready for the chosen quorum, else a presign ceremony followed by the 1-round signing.
 */
import { agreedField, type ProtocolDriver } from '../cluster.js';
import type { PresignPool } from '../keys/presign-pool.js';

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
          presignId = pool.claimNew(signers);
          await run('cggmp21-presign', signers, { keyId: record.keyId, presignId });
        }
        const outcome = await run('cggmp21-sign', signers, { keyId: record.keyId, digest, presignId, approval });
        const signature = agreedField(outcome, 'signature');
        const recovery = agreedField(outcome, 'recovery');
        // Every signer verified the combined signature under the key before reporting it (sign.ts), and all
        // reports agree, so it is not verified a third time here.
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
