/**
 * Policies: named rule sets that API keys are bound to. Stored behind the barrier and cached in memory,
 * since every request is decided against them. The built-in `root` policy (allow everything) backs the
 * admin key; it can be neither replaced nor deleted.
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, forbidden, InvalidInputError, notFound } from '../../server/errors.js';
import { parseAmount } from './amount.js';
import { parseCidr } from './cidr.js';
import { evaluate, type AccessRequest, type Decision, type PolicyDocument, type PolicyRule, type RuleConditions } from './evaluate.js';

export const ROOT_POLICY = 'root';
const POLICY_PREFIX = 'policy/';

export interface Policy extends PolicyDocument {
  description: string;
  createdAt: string;
  builtIn: boolean;
}

/** A rule as callers write it: `effect` defaults to allow, `maxAmount` may be a number. */
export interface RuleInput {
  effect?: 'allow' | 'deny';
  action: string;
  resource: string;
  conditions?: {
    requireMFA?: boolean;
    maxAmount?: number | string;
    allowedIPs?: string[];
    environments?: string[];
  };
}

export class PolicyService {
  readonly #policies = new Map<string, Policy>();

  constructor(private readonly store: EncryptedStore) {}

  async init(): Promise<void> {
    for await (const [, policy] of this.store.entriesJson<Policy>(POLICY_PREFIX)) this.#policies.set(policy.name, policy);
    if (!this.#policies.has(ROOT_POLICY)) {
      await this.#save({
        name: ROOT_POLICY,
        description: 'built-in: allows every action on every resource (bound to the admin key)',
        rules: [{ effect: 'allow', action: '*', resource: '*' }],
        createdAt: new Date().toISOString(),
        builtIn: true,
      });
    }
  }

  async create(input: { name: string; description?: string; rules: RuleInput[] }): Promise<Policy> {
    if (this.#policies.has(input.name)) throw conflict('policy_exists', `policy "${input.name}" already exists`);
    const policy: Policy = {
      name: input.name,
      description: input.description ?? '',
      rules: input.rules.map((rule, i) => normalizeRule(rule, `rules[${i}]`)),
      createdAt: new Date().toISOString(),
      builtIn: false,
    };
    await this.#save(policy);
    return policy;
  }

  get(name: string): Policy {
    const policy = this.#policies.get(name);
    if (!policy) throw notFound('policy_not_found', `policy "${name}" does not exist`);
    return policy;
  }

  list(): Policy[] {
    return [...this.#policies.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(name: string): Promise<void> {
    const policy = this.get(name);
    if (policy.builtIn) throw forbidden('policy_built_in', `policy "${name}" is built in and cannot be deleted`);
    await this.store.del(POLICY_PREFIX + name);
    this.#policies.delete(name);
  }

  /** Decides a request against the named policies; names bound to a key but since deleted grant nothing. */
  decide(policyNames: readonly string[], request: AccessRequest): Decision {
    const docs = policyNames.flatMap((n) => this.#policies.get(n) ?? []);
    return evaluate(docs, request);
  }

  async #save(policy: Policy): Promise<void> {
    await this.store.putJson(POLICY_PREFIX + policy.name, policy);
    this.#policies.set(policy.name, policy);
  }
}

function normalizeRule(rule: RuleInput, field: string): PolicyRule {
  const effect = rule.effect ?? 'allow';
  const c = rule.conditions ?? {};
  if (effect === 'deny' && (c.requireMFA !== undefined || c.maxAmount !== undefined || c.allowedIPs !== undefined)) {
    // A deny that applied only "without MFA" or "outside these IPs" would read as an allow; keep deny rules plain.
    throw new InvalidInputError(`"${field}.conditions" of a deny rule may only hold "environments"`);
  }
  const conditions: RuleConditions = {};
  if (c.requireMFA) conditions.requireMFA = true;
  if (c.maxAmount !== undefined) conditions.maxAmount = parseAmount(c.maxAmount, `${field}.conditions.maxAmount`);
  if (c.allowedIPs !== undefined) {
    c.allowedIPs.forEach((cidr, j) => parseCidr(cidr, `${field}.conditions.allowedIPs[${j}]`));
    conditions.allowedIPs = [...c.allowedIPs];
  }
  if (c.environments !== undefined) conditions.environments = [...c.environments];
  return { effect, action: rule.action, resource: rule.resource, ...(Object.keys(conditions).length ? { conditions } : {}) };
}
