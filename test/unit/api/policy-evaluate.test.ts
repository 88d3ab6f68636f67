/** The pure access decision: every condition allowing and denying, globs, explicit deny, exact amounts. */
import { describe, expect, it } from 'vitest';
import { compareAmounts, parseAmount } from '../../../api/engines/policies/amount.js';
import { CidrSet, parseCidr } from '../../../api/engines/policies/cidr.js';
import { evaluate, type AccessRequest, type PolicyDocument, type PolicyRule } from '../../../api/engines/policies/evaluate.js';
import { globMatch } from '../../../api/engines/policies/glob.js';

const req = (over: Partial<AccessRequest> = {}): AccessRequest => ({ action: 'sign', resource: 'key:treasury-hot', environment: 'production', sourceIp: '10.1.2.3', mfa: 'valid', amount: '10', ...over });
const one = (rule: Partial<PolicyRule>): PolicyDocument[] => [{ name: 'p', rules: [{ effect: 'allow', action: 'sign', resource: 'key:treasury-*', ...rule }] }];

describe('evaluate', () => {
  it('denies by default', () => {
    expect(evaluate([], req())).toMatchObject({ allowed: false, code: 'no_matching_rule', matches: [] });
  });

  it('requireMFA: denies when absent, wrong or not enrolled; allows when valid', () => {
    const p = one({ conditions: { requireMFA: true } });
    expect(evaluate(p, req({ mfa: 'absent' })).code).toBe('mfa_required');
    expect(evaluate(p, req({ mfa: 'invalid' })).code).toBe('mfa_invalid');
    expect(evaluate(p, req({ mfa: 'not_enrolled' })).code).toBe('mfa_not_enrolled');
    expect(evaluate(p, req({ mfa: 'valid' })).allowed).toBe(true);
  });

  it('allowedIPs: IPv4 and IPv6 ranges, inside and outside, IPv4-mapped addresses as IPv4', () => {
    const p = one({ conditions: { allowedIPs: ['10.0.0.0/8', '2001:db8::/32'] } });
    expect(evaluate(p, req({ sourceIp: '10.255.0.1' })).allowed).toBe(true);
    expect(evaluate(p, req({ sourceIp: '::ffff:10.0.0.7' })).allowed).toBe(true);
    expect(evaluate(p, req({ sourceIp: '11.0.0.1' })).code).toBe('ip_not_allowed');
    expect(evaluate(p, req({ sourceIp: '2001:db8:ffff::1' })).allowed).toBe(true);
    expect(evaluate(p, req({ sourceIp: '2001:db9::1' })).code).toBe('ip_not_allowed');
    expect(evaluate(p, req({ sourceIp: 'not-an-ip' })).code).toBe('ip_not_allowed');
  });

  it('maxAmount: at and under the cap allowed, over denied, missing denied for sign only', () => {
    const p = one({ conditions: { maxAmount: '1000000' } });
    expect(evaluate(p, req({ amount: '1000000' })).allowed).toBe(true);
    expect(evaluate(p, req({ amount: '999999.999' })).allowed).toBe(true);
    expect(evaluate(p, req({ amount: '1000000.01' })).code).toBe('amount_exceeds_max');
    expect(evaluate(p, req({ amount: undefined })).code).toBe('amount_missing');
    const read = [{ name: 'r', rules: [{ effect: 'allow' as const, action: 'access', resource: '*', conditions: { maxAmount: '5' } }] }];
    expect(evaluate(read, req({ action: 'access', amount: undefined })).allowed).toBe(true);
  });

  it('environments: allows inside the listed environments only', () => {
    const p = one({ conditions: { environments: ['staging'] } });
    expect(evaluate(p, req({ environment: 'staging' })).allowed).toBe(true);
    expect(evaluate(p, req({ environment: 'production' })).code).toBe('environment_not_allowed');
    expect(evaluate(p, req({ environment: undefined })).code).toBe('environment_not_allowed');
  });

  it('globs: match and no match on action and resource', () => {
    expect(evaluate(one({}), req({ resource: 'key:treasury-cold' })).allowed).toBe(true);
    expect(evaluate(one({}), req({ resource: 'key:ops-treasury-1' })).code).toBe('no_matching_rule');
    expect(evaluate(one({ action: 's?gn' }), req()).allowed).toBe(true);
    expect(evaluate(one({ action: 'rotate' }), req()).code).toBe('no_matching_rule');
  });

  it('an explicit deny wins, in any order and across policies', () => {
    const allow: PolicyDocument = { name: 'allow-all', rules: [{ effect: 'allow', action: '*', resource: '*' }] };
    const deny: PolicyDocument = { name: 'no-treasury', rules: [{ effect: 'deny', action: 'sign', resource: 'key:treasury-*' }] };
    expect(evaluate([allow, deny], req())).toMatchObject({ allowed: false, code: 'explicit_deny' });
    expect(evaluate([deny, allow], req()).code).toBe('explicit_deny');
    expect(evaluate([allow, deny], req({ resource: 'key:ops' })).allowed).toBe(true);
  });

  it('a deny narrowed to an environment applies only there', () => {
    const docs: PolicyDocument[] = [{ name: 'p', rules: [
      { effect: 'allow', action: '*', resource: '*' },
      { effect: 'deny', action: '*', resource: '*', conditions: { environments: ['production'] } },
    ] }];
    expect(evaluate(docs, req({ environment: 'production' })).code).toBe('explicit_deny');
    expect(evaluate(docs, req({ environment: 'staging' })).allowed).toBe(true);
  });
});

describe('globMatch', () => {
  it('treats regex metacharacters literally', () => {
    expect(globMatch('secret:a.b', 'secret:a.b')).toBe(true);
    expect(globMatch('secret:a.b', 'secret:aXb')).toBe(false);
    expect(globMatch('secret:(x)+', 'secret:(x)+')).toBe(true);
    expect(globMatch('*', 'anything:at/all\nnewline')).toBe(true);
  });
});

describe('amounts', () => {
  it('normalises and compares exactly beyond 2^53', () => {
    expect(parseAmount(1000000, 'a')).toBe('1000000');
    expect(parseAmount('000120.500', 'a')).toBe('120.5');
    expect(compareAmounts(parseAmount('9007199254740993', 'a'), parseAmount('9007199254740992', 'a'))).toBe(1);
    expect(compareAmounts('1.5', '1.50')).toBe(0);
    expect(compareAmounts('0.09', '0.1')).toBe(-1);
  });

  it('refuses negative, exponent and non-decimal amounts, naming the field', () => {
    expect(() => parseAmount(-1, 'maxAmount')).toThrow('"maxAmount" expected a non-negative decimal');
    expect(() => parseAmount(1e21, 'maxAmount')).toThrow(/maxAmount/);
    expect(() => parseAmount('1e5', 'amount')).toThrow(/amount/);
    expect(() => parseAmount(Number.NaN, 'amount')).toThrow(/amount/);
  });
});

describe('CIDR parsing', () => {
  it('accepts v4 and v6 blocks and single addresses; refuses bad prefixes and junk', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/8/8', 'example.com/8', '10.0.0.0/', '']) {
      expect(() => parseCidr(bad), bad).toThrow(/allowedIPs/);
    }
    expect(new CidrSet(['0.0.0.0/0']).contains('::1')).toBe(false);
  });
});
