/**
 * Policies decided live on a real gateway: each condition both allows and denies (MFA, IPv4/IPv6 source
 * ranges, environments, resource globs, explicit deny over allow), plus `maxAmount` through the dry run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../../api/server/auth/totp.js';
import { PermissionDeniedError, type LuxKMS } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from './gateway-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const name of ['mfa-db', 'payments-stripe', 'ops-payments-x', 'payroll-bank', 'ip-a', 'env-a']) {
    await h.admin.secrets.create({ name, value: `value-of-${name}` });
    await h.admin.secrets.create({ name, value: `staging-${name}`, environment: 'staging' });
  }
});
afterAll(async () => h.close());

async function keyWith(rules: Parameters<LuxKMS['policies']['create']>[0]['rules'], environments = ['production', 'staging']) {
  const name = `p-${Math.random().toString(36).slice(2, 10)}`;
  await h.admin.policies.create({ name, rules });
  const created = await h.admin.apiKeys.create({ name, environments, policies: [name] });
  return { ...created, kms: h.client(created.apiKey) };
}

const denial = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as PermissionDeniedError);

it('accepts the brief\'s policy example as written', async () => {
  const kms = h.admin;
  await kms.policies.create({
    name: 'treasury-signing',
    rules: [
      {
        action: 'sign',
        resource: 'key:treasury-*',
        conditions: {
          requireMFA: true,
          maxAmount: 1000000,
          allowedIPs: ['10.0.0.0/8'],
        },
      },
    ],
  });
  const stored = await kms.policies.get('treasury-signing');
  expect(stored.rules[0]).toEqual({ effect: 'allow', action: 'sign', resource: 'key:treasury-*', conditions: { requireMFA: true, maxAmount: '1000000', allowedIPs: ['10.0.0.0/8'] } });
});

describe('requireMFA', () => {
  it('denies without a code and with a wrong one, allows with the current TOTP code', async () => {
    const { kms, key } = await keyWith([{ action: 'access', resource: 'secret:mfa-*', conditions: { requireMFA: true } }]);
    expect((await denial(kms.secrets.get('mfa-db')))?.code).toBe('mfa_not_enrolled');
    const { secret } = await h.admin.apiKeys.enrollMfa(key.id);

    const missing = await denial(kms.secrets.get('mfa-db'));
    expect(missing).toBeInstanceOf(PermissionDeniedError);
    expect(missing!.code).toBe('mfa_required');
    const right = totpCode(secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect((await denial(kms.withMfa(wrong).secrets.get('mfa-db')))?.code).toBe('mfa_invalid');
    expect((await kms.withMfa(right).secrets.get('mfa-db')).value).toBe('value-of-mfa-db');
  });

  it('a key cannot enrol MFA for itself (a stolen key could otherwise satisfy requireMFA)', async () => {
    const { kms, key } = await keyWith([{ action: '*', resource: '*' }]);
    await expect(kms.apiKeys.enrollMfa(key.id)).rejects.toMatchObject({ status: 403, code: 'mfa_self_enrollment' });
  });
});

describe('allowedIPs', () => {
  it('IPv4: allows from inside the range, denies from outside', async () => {
    const inside = await keyWith([{ action: 'access', resource: 'secret:ip-*', conditions: { allowedIPs: ['127.0.0.0/8'] } }]);
    const outside = await keyWith([{ action: 'access', resource: 'secret:ip-*', conditions: { allowedIPs: ['10.0.0.0/8', '192.168.0.0/16'] } }]);
    expect((await inside.kms.secrets.get('ip-a')).value).toBe('value-of-ip-a');
    expect((await denial(outside.kms.secrets.get('ip-a')))?.code).toBe('ip_not_allowed');
  });

  it('IPv6: allows from inside the range, denies from outside (gateway on ::1)', async () => {
    const v6 = await startHarness({ host: '::1' });
    try {
      await v6.admin.secrets.create({ name: 'ip-a', value: 'v6-value' });
      const mk = async (cidrs: string[]) => {
        const name = `v6-${cidrs.length}`;
        await v6.admin.policies.create({ name, rules: [{ action: 'access', resource: 'secret:*', conditions: { allowedIPs: cidrs } }] });
        return v6.client((await v6.admin.apiKeys.create({ name, environments: ['production'], policies: [name] })).apiKey);
      };
      const inside = await mk(['::1/128']);
      const outside = await mk(['fd00::/8', '2001:db8::/32']);
      expect((await inside.secrets.get('ip-a')).value).toBe('v6-value');
      expect((await denial(outside.secrets.get('ip-a')))?.code).toBe('ip_not_allowed');
      const records = (await v6.admin.audit.list({ actions: ['access'] })).records;
      expect(records.every((r) => r.sourceIp === '::1')).toBe(true);
    } finally {
      await v6.close();
    }
  });

  it('refuses a malformed CIDR when the policy is created', async () => {
    await expect(h.admin.policies.create({ name: 'bad-cidr', rules: [{ action: '*', resource: '*', conditions: { allowedIPs: ['10.0.0.0/33'] } }] }))
      .rejects.toMatchObject({ status: 400, message: expect.stringContaining('rules[0].conditions.allowedIPs[0]') });
  });
});

describe('resource globs, environments, explicit deny', () => {
  it('a glob matches its resources and nothing else', async () => {
    const { kms } = await keyWith([{ action: 'access', resource: 'secret:payments-*' }]);
    expect((await kms.secrets.get('payments-stripe')).value).toBe('value-of-payments-stripe');
    const miss = await denial(kms.secrets.get('ops-payments-x'));
    expect(miss?.code).toBe('policy_denied');
    expect(miss?.message).toMatch(/deny by default/);
    expect((await denial(kms.secrets.create({ name: 'payments-new', value: 'x' })))?.code).toBe('policy_denied');
  });

  it('an explicit deny wins over an allow', async () => {
    const { kms } = await keyWith([
      { action: '*', resource: 'secret:*' },
      { effect: 'deny', action: 'access', resource: 'secret:payroll-*' },
    ]);
    expect((await kms.secrets.get('payments-stripe')).value).toBe('value-of-payments-stripe');
    const denied = await denial(kms.secrets.get('payroll-bank'));
    expect(denied?.code).toBe('policy_denied');
    expect(denied?.message).toMatch(/explicit deny/);
  });

  it('the environments condition limits a rule to some environments', async () => {
    const { kms } = await keyWith([{ action: 'access', resource: 'secret:*', conditions: { environments: ['staging'] } }]);
    expect((await kms.secrets.get('env-a', { environment: 'staging' })).value).toBe('staging-env-a');
    expect((await denial(kms.secrets.get('env-a')))?.code).toBe('environment_not_allowed');
  });

  it('a key can only hand out policies it holds (no escalation to root)', async () => {
    const { kms } = await keyWith([{ action: 'create', resource: 'apikey:*' }]);
    await expect(kms.apiKeys.create({ name: 'escalate', environments: ['production'], policies: ['root'] })).rejects.toMatchObject({ status: 403, code: 'delegation_denied' });
  });
});

describe('maxAmount and the dry run', () => {
  const base = { policies: ['treasury-signing'], action: 'sign', resource: 'key:treasury-hot', sourceIp: '10.1.2.3', mfa: 'valid' as const };

  it('allows at or under the cap and denies over it, exactly (no float rounding)', async () => {
    expect(await h.admin.policies.evaluate({ ...base, amount: 1000000 })).toMatchObject({ allowed: true, code: 'allowed' });
    expect(await h.admin.policies.evaluate({ ...base, amount: '999999.99' })).toMatchObject({ allowed: true });
    expect(await h.admin.policies.evaluate({ ...base, amount: '1000000.000000000000000001' })).toMatchObject({ allowed: false, code: 'amount_exceeds_max' });
    expect(await h.admin.policies.evaluate({ ...base })).toMatchObject({ allowed: false, code: 'amount_missing' });
  });

  it('explains every failed condition of the rule', async () => {
    const d = await h.admin.policies.evaluate({ ...base, amount: 5, sourceIp: '2001:db8::1', mfa: 'absent' });
    expect(d.allowed).toBe(false);
    expect(d.matches).toEqual([{ policy: 'treasury-signing', rule: 0, effect: 'allow', applies: false, failed: ['ip_not_allowed', 'mfa_required'] }]);
    expect(d.explanation).toMatch(/treasury-signing.*source IPs.*MFA/);
    expect(await h.admin.policies.evaluate({ ...base, resource: 'key:ops-1', amount: 5 })).toMatchObject({ allowed: false, code: 'no_matching_rule' });
  });

  it('decides for a given API key, including its environment binding', async () => {
    const { key } = await keyWith([{ action: 'access', resource: 'secret:*' }], ['staging']);
    expect(await h.admin.policies.evaluate({ apiKeyId: key.id, action: 'access', resource: 'secret:x', environment: 'staging' })).toMatchObject({ allowed: true });
    expect(await h.admin.policies.evaluate({ apiKeyId: key.id, action: 'access', resource: 'secret:x', environment: 'production' })).toMatchObject({ allowed: false, code: 'environment_forbidden' });
  });
});
