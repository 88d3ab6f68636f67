/**
 * MFA in the access decision. A TOTP code is single-use, so it is spent only when it decides the outcome:
 * the request is first decided as if no code were sent, and only a request refused that way has its code
 * checked (and its time step spent). MFA can only turn a refusal into an allow (deny rules carry no MFA
 * condition), so this gives the same answers as deciding with the code up front, while a client that sends
 * its code with every call does not burn it on calls that never needed it.
 */
import type { Decision } from '../../engines/policies/evaluate.js';
import { forbidden } from '../errors.js';
import type { ApiKeyRecord, ApiKeyService, MfaState } from './api-keys.js';

export async function decideWithMfa(
  apiKeys: ApiKeyService,
  key: ApiKeyRecord,
  code: string | undefined,
  decide: (mfa: MfaState) => Decision,
): Promise<Decision> {
  const withoutCode = decide(key.mfa ? 'absent' : 'not_enrolled');
  if (withoutCode.allowed || code === undefined || !key.mfa) return withoutCode;
  const outcome = await apiKeys.spendTotp(key.id, code);
  if (outcome !== 'replayed') return decide(outcome);
  // A replayed code counts as no code; say why, when MFA is what refused the request.
  if (withoutCode.code === 'mfa_required') {
    throw forbidden('mfa_replayed', `the TOTP code was already used (each code is accepted once; wait for the next one): ${withoutCode.explanation}`);
  }
  return withoutCode;
}
