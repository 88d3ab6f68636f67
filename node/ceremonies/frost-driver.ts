/** How the cluster runs FROST: one DKG ceremony, one signing ceremony among the chosen signers. */
import { InternalError } from '../../protocols/errors.js';
import { verifyFrostSignature, type FrostProtocol } from '../../protocols/frost/index.js';
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
    const ok = verifyFrostSignature(record.protocol as FrostProtocol, Buffer.from(signature, 'hex'), digest, Buffer.from(record.publicKey, 'hex'));
    if (!ok) throw new InternalError(`the cluster produced a signature that does not verify under key ${record.keyId}`);
    return { keyId: record.keyId, protocol: record.protocol, publicKey: record.publicKey, signers, signature };
  },
};
