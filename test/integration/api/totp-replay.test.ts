/**
 * Single-use TOTP codes on a real gateway: a code that opened a `requireMFA` rule once is refused the next
 * time (403 `mfa_replayed`, recorded in the audit log), also after the gateway restarts over the same data,
 * of concurrent requests with one code exactly one gets through, and a code sent to a call that did not
 * need it is not spent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../../api/server/auth/totp.js';
import { startGateway } from '../../../api/server/gateway.js';
import { LuxKMS, type PermissionDeniedError } from '../../../api/sdk/index.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { startHarness, type Harness } from './gateway-harness.js';

const outcome = (p: Promise<{ value: string }>) => p.then((s) => s.value, (e: PermissionDeniedError) => e.code);

/** A key allowed to read `open-*` freely and `mfa-*` only with a TOTP code, with TOTP enrolled by `admin`. */
async function mfaKey(admin: LuxKMS, client: (apiKey: string) => LuxKMS) {
  const name = `mfa-${Math.random().toString(36).slice(2, 10)}`;
  await admin.policies.create({
    name,
    rules: [
      { action: 'access', resource: 'secret:mfa-*', conditions: { requireMFA: true } },
      { action: 'access', resource: 'secret:open-*' },
    ],
  });
  const created = await admin.apiKeys.create({ name, environments: ['production'], policies: [name] });
  const { secret } = await admin.apiKeys.enrollMfa(created.key.id);
  return { id: created.key.id, apiKey: created.apiKey, kms: client(created.apiKey), secret };
}

describe('on one gateway', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.admin.secrets.create({ name: 'mfa-vault', value: 'guarded' });
    await h.admin.secrets.create({ name: 'open-notes', value: 'public' });
  });
  afterAll(async () => h.close());

  it('replayed TOTP code is refused with 403 mfa_replayed, and the refusal is audited', async () => {
    const { id, kms, secret } = await mfaKey(h.admin, h.client);
    const code = totpCode(secret);
    expect(await outcome(kms.withMfa(code).secrets.get('mfa-vault'))).toBe('guarded');
    const replay = await kms.withMfa(code).secrets.get('mfa-vault').catch((e: PermissionDeniedError) => e);
    expect(replay).toMatchObject({ status: 403, code: 'mfa_replayed' });
    expect((replay as PermissionDeniedError).message).toMatch(/already used/);

    const records = (await h.admin.audit.list({ keyId: id, limit: 50 })).records;
    expect(records.filter((r) => r.actor === id && r.resource === 'secret:mfa-vault').map((r) => [r.result, r.code])).toEqual([
      ['allowed', 'allowed'],
      ['denied', 'mfa_replayed'],
    ]);
  });

  it('concurrent requests with one TOTP code: exactly one succeeds', async () => {
    const { kms, secret } = await mfaKey(h.admin, h.client);
    const withCode = kms.withMfa(totpCode(secret));
    const results = await Promise.all(Array.from({ length: 6 }, () => outcome(withCode.secrets.get('mfa-vault'))));
    expect(results.filter((r) => r === 'guarded')).toHaveLength(1);
    expect(results.filter((r) => r === 'mfa_replayed')).toHaveLength(5);
  });

  it('a TOTP code from a step before an accepted one is refused', async () => {
    const { kms, secret } = await mfaKey(h.admin, h.client);
    // An authenticator a step ahead (within the accepted drift) spends the next step first.
    expect(await outcome(kms.withMfa(totpCode(secret, Date.now() + 30_000)).secrets.get('mfa-vault'))).toBe('guarded');
    expect(await outcome(kms.withMfa(totpCode(secret)).secrets.get('mfa-vault'))).toBe('mfa_replayed');
  });

  it('a code sent to calls that do not need MFA is not spent', async () => {
    const { kms, secret } = await mfaKey(h.admin, h.client);
    const withCode = kms.withMfa(totpCode(secret));
    expect(await outcome(withCode.secrets.get('open-notes'))).toBe('public');
    expect(await outcome(withCode.secrets.get('open-notes'))).toBe('public');
    expect(await outcome(withCode.secrets.get('mfa-vault'))).toBe('guarded');
    expect(await outcome(withCode.secrets.get('mfa-vault'))).toBe('mfa_replayed');
  });
});

it('replayed TOTP code is refused after the gateway restarts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-totp-'));
  const salt = generateSalt();
  const open = async () => startGateway({ dataDir: dir, seal: await createSoftwareSeal({ passphrase: 'totp-replay-passphrase', salt }), logger: false, rateLimit: false });
  try {
    const first = await open();
    const client = (url: string) => (apiKey: string) => new LuxKMS({ apiKey, environment: 'production', baseUrl: url, maxRetries: 0 });
    const admin = client(first.url)(first.adminApiKey!);
    await admin.secrets.create({ name: 'mfa-vault', value: 'guarded' });
    const { secret, kms, apiKey } = await mfaKey(admin, client(first.url));
    const code = totpCode(secret);
    expect(await outcome(kms.withMfa(code).secrets.get('mfa-vault'))).toBe('guarded');
    await first.close();

    const second = await open();
    try {
      expect(await outcome(client(second.url)(apiKey).withMfa(code).secrets.get('mfa-vault'))).toBe('mfa_replayed');
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
