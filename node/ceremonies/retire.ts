/**
 * Retiring a threshold key: every holder erases its share (every generation), aux secrets, presignatures and the
 * key's record, so no quorum can ever sign with it again.
 *
 * One acknowledgement round decides it: each party broadcasts "retire key K" and erases only after it holds every
 * other party's acknowledgement. A holder that is offline or refuses never acknowledges, so nobody finishes the round
 * and nothing is erased anywhere; the session times out (or aborts) naming it.
 *
 * Across nodes the erasure is not atomic: a party can crash after its acknowledgement left but before the others'
 * reached it, and keep its share while the others erase theirs. So retirement is idempotent and simply re-run: a
 * named party that no longer has the key still takes part in the round and completes reporting `retired: false`
 * ("already retired"). Keeping such parties in the same round, rather than skipping them, is the simplest design that
 * stays correct: the driver's outcome covers every party it named, and no party erases unless all of them answered.
 */
import { InvalidInputError } from '../../protocols/errors.js';
import { createAckSession } from '../../protocols/round/ack.js';
import type { NodeServices } from '../daemon.js';
import type { KeyRecord } from '../keys/key-vault.js';
import type { CeremonyHandler, SessionContext } from '../sessions/manager.js';
import { keyIdParam, parseParams } from './params.js';

export const RETIRE_CEREMONY = 'key-retire';

const readKeyId = (ctx: SessionContext) => parseParams(ctx.params, RETIRE_CEREMONY, keyIdParam);

/** Refuses a key whose committee is changing: erasing it mid-ceremony would race the new generation's activation. */
export function refusePending(record: KeyRecord): void {
  if (!record.pending) return;
  throw new InvalidInputError(
    `key "${record.keyId}" has generation ${record.pending.generation} pending (a keygen, reshare or refresh in progress): retire it once that has finished or been discarded`,
    'generation_pending',
  );
}

export function retireCeremony(services: NodeServices): CeremonyHandler<true> {
  return {
    async open(ctx) {
      const keyId = readKeyId(ctx);
      // Erasing is as final as signing is valuable: only members this node trusts to approve signatures may ask.
      if (!services.config.signingApprovers.includes(ctx.initiator)) {
        throw new InvalidInputError(`party ${ctx.initiator} may not retire keys: it is not a signing approver of party ${ctx.self}`, 'retire_not_approved');
      }
      const record = await services.vault.get(keyId);
      if (record) {
        refusePending(record);
        // A holder left out would keep a usable share while everyone else reports the key gone.
        const missing = record.parties.filter((p) => !ctx.parties.includes(p));
        if (missing.length) {
          throw new InvalidInputError(`retiring "${keyId}" must include every holder; the session leaves out ${missing.join(', ')}`, 'holders_missing');
        }
      }
      return createAckSession({ sessionId: ctx.sessionId, self: ctx.self, parties: ctx.parties, auth: ctx.auth, statement: { retire: keyId } });
    },
    async complete(_agreed, ctx) {
      const keyId = readKeyId(ctx);
      const held = (await services.vault.get(keyId)) !== undefined;
      await services.vault.retire(keyId);
      services.decoded.forget(keyId);
      const fields = { keyId, sessionId: ctx.sessionId, initiator: ctx.initiator };
      if (held) services.logger.info(fields, 'key retired: every share generation, aux secret and presignature of it erased');
      else services.logger.info(fields, 'key retire: this node holds no share of it (already retired)');
      return { retired: held };
    },
  };
}
