/** How the cluster runs FROST: one DKG ceremony, one signing ceremony among the chosen signers. */
import { agreedField, type ProtocolDriver } from '../cluster.js';

export const frostDriver: ProtocolDriver = {
  async keygen(run, request) {
    const outcome = await run('frost-keygen', request.parties, { keyId: request.keyId, protocol: request.protocol, threshold: request.threshold });
    const publicKey = agreedField(outcome, 'publicKey');
    await run('lss-activate', request.parties, { keyId: request.keyId, generation: 0 });
    return { keyId: request.keyId, protocol: request.protocol, publicKey, threshold: request.threshold, parties: request.parties, generation: 0 };
  },
  async sign(run, record, digest, signers, approval) {
    const outcome = await run('frost-sign', signers, { keyId: record.keyId, digest, approval });
    const signature = agreedField(outcome, 'signature');
    // noble's aggregation verifies the signature at every signer before it is reported, and all reports agree.
    return { keyId: record.keyId, protocol: record.protocol, publicKey: record.publicKey, signers, signature };
  },
};
