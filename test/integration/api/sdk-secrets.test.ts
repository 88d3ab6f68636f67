/**
 * The SDK against a real gateway on a real port: the product brief's examples as written, environment
 * isolation, tags and pagination, versions and check-and-set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, GoneError, LuxKMS, NotFoundError, PermissionDeniedError, AuthenticationError } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from './gateway-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  process.env.KMS_URL = h.url;
});
afterAll(async () => {
  delete process.env.KMS_URL;
  await h.close();
});

describe('the brief, as written', () => {
  it('runs the secrets example', async () => {
    process.env.KMS_API_KEY = h.adminApiKey;
    const kms = new LuxKMS({
      apiKey: process.env.KMS_API_KEY,
      environment: 'production',
    });
    delete process.env.KMS_API_KEY;

    // Create a secret
    await kms.secrets.create({
      name: 'stripe-api-key',
      value: 'sk_live_xxx',
      environment: 'production',
      tags: ['payments', 'stripe'],
    });
    // Retrieve a secret
    const secret = await kms.secrets.get('stripe-api-key');
    expect(secret.value).toBe('sk_live_xxx');
    expect(secret.version).toBe(1);
    // List secrets
    const secrets = await kms.secrets.list({
      environment: 'production',
      tags: ['payments'],
    });
    expect(secrets.secrets.map((s) => s.name)).toEqual(['stripe-api-key']);
    expect(JSON.stringify(secrets)).not.toContain('sk_live_xxx');
    // Rotate a secret (the brief's webhook host is unreachable here; the rotation itself must not wait on it)
    const rotated = await kms.secrets.rotate('stripe-api-key', {
      newValue: 'sk_live_yyy',
      notifyWebhook: 'https://api.yourbank.com/webhooks/secret-rotation',
    });
    expect(rotated.version).toBe(2);
    expect(rotated.webhookDelivery?.status).toBe('pending');
    expect((await kms.secrets.get('stripe-api-key')).value).toBe('sk_live_yyy');
  });

  it('runs the audit example, and the same query over the current dates finds the key\'s operations', async () => {
    const kms = h.admin;
    const { apiKey, key } = await kms.apiKeys.create({ name: 'ops', environments: ['production'], policies: ['root'] });
    await h.client(apiKey).secrets.create({ name: 'audit-example', value: 'v1' });
    await h.client(apiKey).secrets.get('audit-example');
    await h.client(apiKey).secrets.rotate('audit-example', { newValue: 'v2' });

    const logs = await kms.audit.list({
      keyId: key.id,
      actions: ['create', 'sign', 'rotate', 'access'],
      from: '2025-01-01',
      to: '2025-11-30',
    });
    const now = Date.now();
    const inWindow = now >= Date.parse('2025-01-01') && now <= Date.parse('2025-12-01');
    expect(logs.records.length).toBe(inWindow ? 3 : 0);

    const today = new Date().toISOString().slice(0, 10);
    const current = await kms.audit.list({ keyId: key.id, actions: ['create', 'sign', 'rotate', 'access'], from: today, to: today });
    expect(current.records.map((r) => r.action)).toEqual(['create', 'access', 'rotate']);
    expect(current.records.every((r) => r.actor === key.id && r.result === 'allowed' && r.environment === 'production')).toBe(true);
  });
});

describe('environments', () => {
  it('a staging key cannot read production, and a production key cannot read staging', async () => {
    await h.admin.secrets.create({ name: 'DATABASE_URL', value: 'postgres://prod', environment: 'production' });
    await h.admin.secrets.create({ name: 'DATABASE_URL', value: 'postgres://staging', environment: 'staging' });
    const staging = await h.admin.apiKeys.create({ name: 'staging-app', environments: ['staging'], policies: ['root'] });
    const stagingClient = h.client(staging.apiKey, 'staging');

    expect((await stagingClient.secrets.get('DATABASE_URL')).value).toBe('postgres://staging');
    const denied = await stagingClient.secrets.get('DATABASE_URL', { environment: 'production' }).catch((e) => e);
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect(denied.code).toBe('environment_forbidden');
    expect(denied.status).toBe(403);
    await expect(stagingClient.secrets.list({ environment: 'production' })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(h.client(staging.apiKey, 'development').secrets.create({ name: 'x', value: 'y' })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect((await h.admin.secrets.get('DATABASE_URL')).value).toBe('postgres://prod');
  });

  it('custom environments are namespaces of their own', async () => {
    await h.admin.environments.create({ name: 'qa', description: 'QA cluster' });
    expect((await h.admin.environments.list()).map((e) => e.name)).toEqual(['development', 'production', 'qa', 'staging']);
    await h.admin.secrets.create({ name: 'DATABASE_URL', value: 'postgres://qa', environment: 'qa' });
    expect((await h.admin.secrets.get('DATABASE_URL', { environment: 'qa' })).value).toBe('postgres://qa');
    const missing = await h.admin.secrets.get('DATABASE_URL', { environment: 'nowhere' }).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe('environment_not_found');
  });

  it('refuses an unknown or revoked API key with AuthenticationError', async () => {
    const created = await h.admin.apiKeys.create({ name: 'short-lived', environments: ['development'], policies: ['root'] });
    const c = h.client(created.apiKey, 'development');
    await c.secrets.list();
    await h.admin.apiKeys.revoke(created.key.id);
    await expect(c.secrets.list()).rejects.toBeInstanceOf(AuthenticationError);
    const forged = created.apiKey.slice(0, -4) + 'AAAA';
    await expect(h.client(forged).secrets.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('stores API keys only as hashes: no token appears in the raw store', async () => {
    const { apiKey } = await h.admin.apiKeys.create({ name: 'hashed', environments: ['development'], policies: ['root'] });
    // The secret is everything after `lkms_<16 hex>_`: base64url, so it may itself contain '_'.
    const secretPart = Buffer.from(/^lkms_[0-9a-f]{16}_(.{43})$/.exec(apiKey)![1]!);
    for await (const [, value] of h.store.entries('')) expect(Buffer.from(value).includes(secretPart)).toBe(false);
    expect(JSON.stringify(await h.admin.apiKeys.list())).not.toContain(apiKey);
  });
});

describe('tags and pagination', () => {
  it('filters by every tag asked for and pages through in name order', async () => {
    for (let i = 0; i < 7; i++) {
      await h.admin.secrets.create({ name: `svc-${i}`, value: `v${i}`, environment: 'development', tags: i % 2 ? ['svc', 'odd'] : ['svc', 'even'] });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.admin.secrets.list({ environment: 'development', tags: ['svc'], limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.secrets.map((s) => s.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6']);
    const odd = await h.admin.secrets.list({ environment: 'development', tags: ['svc', 'odd'] });
    expect(odd.secrets.map((s) => s.name)).toEqual(['svc-1', 'svc-3', 'svc-5']);
    expect((await h.admin.secrets.list({ environment: 'development', tags: ['odd', 'even'] })).secrets).toEqual([]);
  });
});

describe('versions and check-and-set', () => {
  it('keeps every version, reads any, and refuses a stale ifVersion with 409', async () => {
    const s = h.admin.secrets;
    await s.create({ name: 'cas', value: 'one' });
    await s.update('cas', { value: 'two', ifVersion: 1 });
    const stale = await s.update('cas', { value: 'lost-update', ifVersion: 1 }).catch((e) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.code).toBe('version_conflict');
    await s.rotate('cas', { newValue: 'three', ifVersion: 2 });
    await expect(s.rotate('cas', { newValue: 'x', ifVersion: 2 })).rejects.toBeInstanceOf(ConflictError);

    expect((await s.get('cas')).value).toBe('three');
    expect((await s.get('cas', { version: 1 })).value).toBe('one');
    expect((await s.get('cas', { version: 2 })).value).toBe('two');
    expect((await s.versions('cas')).map((v) => v.version)).toEqual([1, 2, 3]);

    await s.destroyVersion('cas', 1);
    await expect(s.get('cas', { version: 1 })).rejects.toBeInstanceOf(GoneError);
    expect((await s.versions('cas'))[0]!.destroyedAt).toBeTypeOf('string');
    await expect(s.get('cas', { version: 9 })).rejects.toMatchObject({ status: 404, code: 'version_not_found' });
  });

  it('create of an existing name is a conflict; ifVersion 0 means "must not exist"', async () => {
    await h.admin.secrets.create({ name: 'once', value: 'a' });
    await expect(h.admin.secrets.create({ name: 'once', value: 'b' })).rejects.toMatchObject({ status: 409, code: 'secret_exists' });
    await h.admin.secrets.update('fresh', { value: 'a', ifVersion: 0 });
    await expect(h.admin.secrets.update('fresh', { value: 'b', ifVersion: 0 })).rejects.toBeInstanceOf(ConflictError);
  });

  it('concurrent check-and-set writers: exactly one wins', async () => {
    await h.admin.secrets.create({ name: 'race', value: 'base' });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => h.admin.secrets.update('race', { value: `w${i}`, ifVersion: 1 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await h.admin.secrets.get('race')).version).toBe(2);
  });

  it('delete removes the secret', async () => {
    await h.admin.secrets.create({ name: 'gone', value: 'a' });
    await h.admin.secrets.delete('gone');
    await expect(h.admin.secrets.get('gone')).rejects.toBeInstanceOf(NotFoundError);
  });
});
