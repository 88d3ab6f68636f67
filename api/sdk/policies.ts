/** `kms.policies`: deny-by-default access rules, and dry-run decisions. */
import type { Transport } from './transport.js';
import type { EvaluateInput, Policy, PolicyDecision, PolicyRule } from './types.js';
import { requireObject, seg } from './validate.js';

export class PoliciesClient {
  constructor(private readonly http: Transport) {}

  create(input: { name: string; description?: string; rules: PolicyRule[] }): Promise<Policy> {
    return this.http.call({ method: 'POST', path: '/v1/policies', body: requireObject(input, 'input'), idempotent: false });
  }

  get(name: string): Promise<Policy> {
    return this.http.call({ method: 'GET', path: `/v1/policies/${seg(name, 'name')}`, idempotent: true });
  }

  async list(): Promise<Policy[]> {
    return (await this.http.call<{ policies: Policy[] }>({ method: 'GET', path: '/v1/policies', idempotent: true })).policies;
  }

  async delete(name: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/v1/policies/${seg(name, 'name')}`, idempotent: true });
  }

  /** Would this request be allowed, and why. Changes nothing, so it is safe to retry. */
  evaluate(input: EvaluateInput): Promise<PolicyDecision> {
    return this.http.call({ method: 'POST', path: '/v1/policies/evaluate', body: requireObject(input, 'input'), idempotent: true });
  }
}
