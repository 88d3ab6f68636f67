/**
 * The dry-run decision: what would happen if a given key (or a given set of policies) made a request,
 * with the reason. Mirrors the live check in the request pipeline, including the environment binding.
 */
import type { ApiKeyRecord, ApiKeyService } from '../../server/auth/api-keys.js';
import { InvalidInputError } from '../../server/errors.js';
import { parseAmount } from './amount.js';
import { normalizeIp } from './cidr.js';
import type { Decision } from './evaluate.js';
import type { PolicyService } from './service.js';
import type { EvaluateBodyT } from './schemas.js';

export async function dryRun(
  deps: { policies: PolicyService; apiKeys: ApiKeyService },
  caller: ApiKeyRecord,
  callerIp: string,
  input: EvaluateBodyT,
): Promise<Decision> {
  if (input.apiKeyId !== undefined && input.policies !== undefined) {
    throw new InvalidInputError('give "apiKeyId" or "policies", not both');
  }
  const subject = input.apiKeyId !== undefined ? await deps.apiKeys.get(input.apiKeyId) : input.policies === undefined ? caller : undefined;
  const sourceIp = input.sourceIp ?? callerIp;
  if (!normalizeIp(sourceIp)) throw new InvalidInputError(`"sourceIp" expected an IPv4 or IPv6 address, got "${sourceIp}"`);
  if (subject && input.environment !== undefined && !subject.environments.includes('*') && !subject.environments.includes(input.environment)) {
    return { allowed: false, code: 'environment_forbidden', explanation: `the API key is not bound to environment "${input.environment}"`, matches: [] };
  }
  return deps.policies.decide(subject?.policies ?? input.policies ?? [], {
    action: input.action,
    resource: input.resource,
    environment: input.environment,
    sourceIp,
    mfa: input.mfa ?? 'absent',
    ...(input.amount === undefined ? {} : { amount: parseAmount(input.amount, 'amount') }),
  });
}
