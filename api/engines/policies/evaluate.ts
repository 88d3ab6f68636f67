/**
 * The access decision, as a pure function of the request and the policies bound to the caller.
 *
 * Deny by default. A rule applies when its action and resource globs match. A matching deny rule (narrowed
 * only by `environments`) denies, whatever else allows: an explicit deny wins. Otherwise the request is
 * allowed when at least one matching allow rule has every condition met. The decision lists every matching
 * rule and the conditions it failed, so a dry run can explain itself.
 */
import type { MfaState } from '../../server/auth/api-keys.js';
import { compareAmounts } from './amount.js';
import { CidrSet } from './cidr.js';
import { globMatch } from './glob.js';

export interface RuleConditions {
  requireMFA?: boolean;
  /** Normalised decimal string (see `parseAmount`). */
  maxAmount?: string;
  allowedIPs?: string[];
  environments?: string[];
}

export interface PolicyRule {
  effect: 'allow' | 'deny';
  action: string;
  resource: string;
  conditions?: RuleConditions;
}

export interface PolicyDocument {
  name: string;
  rules: PolicyRule[];
}

export interface AccessRequest {
  action: string;
  resource: string;
  environment?: string;
  sourceIp: string;
  mfa: MfaState;
  /** Present on signing requests: the value moved, as a normalised decimal string. */
  amount?: string;
}

export type ConditionFailure =
  | 'mfa_required'
  | 'mfa_invalid'
  | 'mfa_not_enrolled'
  | 'amount_missing'
  | 'amount_exceeds_max'
  | 'ip_not_allowed'
  | 'environment_not_allowed';

export interface RuleMatch {
  policy: string;
  rule: number;
  effect: 'allow' | 'deny';
  applies: boolean;
  failed: ConditionFailure[];
}

export interface Decision {
  allowed: boolean;
  /**
   * Stable code: `allowed`, `explicit_deny`, `no_matching_rule`, the first failed condition, or
   * `environment_forbidden` (the key's environment binding, checked before any policy).
   */
  code: 'allowed' | 'explicit_deny' | 'no_matching_rule' | 'environment_forbidden' | ConditionFailure;
  explanation: string;
  matches: RuleMatch[];
}

// Signing is the only action that moves value, so only there is a missing amount a reason to refuse.
const AMOUNT_ACTIONS = new Set(['sign']);

const cidrCache = new WeakMap<string[], CidrSet>();
function cidrsOf(list: string[]): CidrSet {
  let set = cidrCache.get(list);
  if (!set) cidrCache.set(list, (set = new CidrSet(list)));
  return set;
}

function failedConditions(c: RuleConditions | undefined, req: AccessRequest): ConditionFailure[] {
  if (!c) return [];
  const failed: ConditionFailure[] = [];
  if (c.environments && !(req.environment !== undefined && c.environments.includes(req.environment))) failed.push('environment_not_allowed');
  if (c.allowedIPs && !cidrsOf(c.allowedIPs).contains(req.sourceIp)) failed.push('ip_not_allowed');
  if (c.requireMFA) {
    if (req.mfa === 'absent') failed.push('mfa_required');
    else if (req.mfa === 'invalid') failed.push('mfa_invalid');
    else if (req.mfa === 'not_enrolled') failed.push('mfa_not_enrolled');
  }
  if (c.maxAmount !== undefined) {
    if (req.amount === undefined) {
      if (AMOUNT_ACTIONS.has(req.action)) failed.push('amount_missing');
    } else if (compareAmounts(req.amount, c.maxAmount) > 0) failed.push('amount_exceeds_max');
  }
  return failed;
}

const FAILURE_TEXT: Record<ConditionFailure, string> = {
  mfa_required: 'requires MFA (send a current TOTP code in the x-kms-mfa header)',
  mfa_invalid: 'requires MFA and the TOTP code was wrong',
  mfa_not_enrolled: 'requires MFA and this API key has no TOTP enrolled',
  amount_missing: 'has maxAmount and the request carries no amount',
  amount_exceeds_max: 'caps the amount and the request exceeds it',
  ip_not_allowed: 'limits source IPs and the request came from outside them',
  environment_not_allowed: 'is limited to other environments',
};

export function evaluate(policies: readonly PolicyDocument[], req: AccessRequest): Decision {
  const matches: RuleMatch[] = [];
  for (const policy of policies) {
    policy.rules.forEach((rule, index) => {
      if (!globMatch(rule.action, req.action) || !globMatch(rule.resource, req.resource)) return;
      const failed = failedConditions(rule.conditions, req);
      matches.push({ policy: policy.name, rule: index, effect: rule.effect, applies: failed.length === 0, failed });
    });
  }
  const what = `${req.action} on ${req.resource}${req.environment ? ` in ${req.environment}` : ''}`;
  const deny = matches.find((m) => m.effect === 'deny' && m.applies);
  if (deny) {
    return { allowed: false, code: 'explicit_deny', explanation: `${what} denied by policy "${deny.policy}" rule ${deny.rule} (explicit deny)`, matches };
  }
  const allow = matches.find((m) => m.effect === 'allow' && m.applies);
  if (allow) {
    return { allowed: true, code: 'allowed', explanation: `${what} allowed by policy "${allow.policy}" rule ${allow.rule}`, matches };
  }
  const blocked = matches.find((m) => m.effect === 'allow');
  if (blocked) {
    const first = blocked.failed[0]!;
    const reasons = blocked.failed.map((f) => FAILURE_TEXT[f]).join('; ');
    return { allowed: false, code: first, explanation: `${what} denied: policy "${blocked.policy}" rule ${blocked.rule} ${reasons}`, matches };
  }
  return { allowed: false, code: 'no_matching_rule', explanation: `${what} denied: no rule of the caller's policies allows it (deny by default)`, matches };
}
