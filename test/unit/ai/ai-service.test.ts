/**
 * The AI service with a moving clock: token expiry, the rate window sliding over an hour, the budget
 * resetting on the next UTC day, cancelled admissions giving everything back, and tokens stored hashed.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { AiService } from '../../../api/engines/ai/service.js';
import { Barrier, EncryptedStore } from '../../../api/server/barrier.js';
import { SecretsService } from '../../../api/engines/secrets/service.js';
import { WebhookService } from '../../../api/engines/webhooks/service.js';
import type { Seal } from '../../../node/hsm/seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

// The barrier is tested on its own; here any reversible seal will do.
const plainSeal: Seal = { kind: 'software', seal: async (p) => p, unseal: async (s) => s, close: async () => {} };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let clock: number;
let kv: MemoryKeyValueStore;
let store: EncryptedStore;
let secrets: SecretsService;
let ai: AiService;

beforeEach(async () => {
  clock = 20_000 * DAY + 10 * HOUR;
  kv = new MemoryKeyValueStore();
  store = new EncryptedStore(kv, (await Barrier.open(kv, plainSeal)).barrier);
  secrets = new SecretsService(store, new WebhookService(store));
  await secrets.create({ environment: 'production', name: 'router-key', value: 'sk-router-unit' });
  ai = new AiService(store, secrets, { now: () => clock });
  await ai.init();
  await ai.providers.configure('router', {
    style: 'openai',
    baseUrl: 'http://127.0.0.1:9/v1',
    credentialSecret: 'router-key',
    currency: 'USD',
    prices: [{ model: 'gpt-4o*', input: '2.50', output: '10.00' }, { model: 'gpt-4o-mini', input: '0.15', output: '0.60' }],
  });
});

const call = (model = 'gpt-4o', max_tokens = 100) => ({ provider: 'router', endpoint: 'chat/completions', body: { model, max_tokens, messages: [] }, headers: {} });

describe('tokens', () => {
  it('refuses a token after its expiry, and not before', async () => {
    const { token } = await ai.tokens.create({ environment: 'production', models: ['gpt-4o'], scopes: ['chat'], expiresIn: '1h', createdBy: null });
    clock += HOUR - 1;
    expect(ai.authenticate(token).id).toMatch(/^ait_/);
    clock += 1;
    expect(() => ai.authenticate(token)).toThrow(expect.objectContaining({ code: 'ai_token_expired' }));
  });

  it('stores only a hash of the token, and knows it again after a restart', async () => {
    const { token, id } = await ai.tokens.create({ environment: 'production', models: ['gpt-4o'], scopes: ['chat'], createdBy: 'admin' });
    const stored = await store.getJson<Record<string, unknown>>(`ai/token/${id}`);
    expect(stored!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    // The secret is everything after `lkai_<16 hex>_`: base64url, so it may itself contain '_'.
    expect(JSON.stringify(stored)).not.toContain(/^lkai_[0-9a-f]{16}_(.{43})$/.exec(token)![1]!);
    expect(JSON.stringify(ai.tokens.get(id))).not.toContain('tokenHash');

    const restarted = new AiService(store, secrets, { now: () => clock });
    await restarted.init();
    expect(restarted.authenticate(token).id).toBe(id);
  });

  it('refuses bad bindings when the token is created', async () => {
    const base = { environment: 'production', models: ['gpt-4o'], scopes: ['chat'], createdBy: null };
    await expect(ai.tokens.create({ ...base, scopes: ['images'] })).rejects.toMatchObject({ code: 'invalid_scope' });
    await expect(ai.tokens.create({ ...base, budget: { maxSpend: '0', currency: 'USD', period: '1d' } })).rejects.toMatchObject({ code: 'invalid_amount' });
    await expect(ai.tokens.create({ ...base, budget: { maxSpend: '1.00', currency: 'usd', period: '1d' } })).rejects.toMatchObject({ code: 'invalid_currency' });
    await expect(ai.tokens.create({ ...base, rateLimit: { requests: 10, period: '1 hour' } })).rejects.toMatchObject({ code: 'invalid_duration' });
    await expect(ai.tokens.create({ ...base, expiresAt: new Date(clock - 1).toISOString() })).rejects.toMatchObject({ code: 'invalid_expiry' });
    await expect(ai.tokens.create({ ...base, models: [] })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('admission', () => {
  it('matches model patterns and prefers an exact price over a pattern', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['gpt-4o*'], scopes: ['chat'], budget: { maxSpend: '10.00', currency: 'USD', period: '1d' }, createdBy: null });
    const token = ai.authenticate(t.token);
    const mini = await ai.admit(token, call('gpt-4o-mini', 1_000_000));
    // Reserved at the exact gpt-4o-mini price ($0.60/M out), not the gpt-4o* pattern's $10/M.
    const usage = await ai.usage(t.id);
    expect(Number(usage.budget!.reserved)).toBeLessThan(0.61);
    ai.cancel(mini);
    await expect(ai.admit(token, call('o1'))).rejects.toMatchObject({ code: 'model_not_allowed' });
  });

  it('slides the rate window: 3 per hour, the 4th refused, room again an hour (and one slot) later', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['gpt-4o'], scopes: ['chat'], rateLimit: { requests: 3, period: '1h' }, createdBy: null });
    const token = ai.authenticate(t.token);
    for (let i = 0; i < 3; i++) {
      await ai.admit(token, call());
      clock += 10 * 60_000;
    }
    await expect(ai.admit(token, call())).rejects.toMatchObject({ code: 'ai_rate_limited', statusCode: 429 });
    clock += 31 * 60_000; // the first call is now over an hour old
    await expect(ai.admit(token, call())).resolves.toMatchObject({ model: 'gpt-4o' });
  });

  it('gives back the rate slot and the reservation of a cancelled admission', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['gpt-4o'], scopes: ['chat'], rateLimit: { requests: 1, period: '1h' }, budget: { maxSpend: '1.00', currency: 'USD', period: '1d' }, createdBy: null });
    const token = ai.authenticate(t.token);
    ai.cancel(await ai.admit(token, call()));
    expect((await ai.usage(t.id)).budget).toMatchObject({ reserved: '0.00', remaining: '1.00' });
    await expect(ai.admit(token, call())).resolves.toBeDefined();
  });

  it('refuses with 402 once the day\'s reservations fill the budget, and admits again the next UTC day', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['gpt-4o'], scopes: ['chat'], budget: { maxSpend: '0.05', currency: 'USD', period: '1d' }, createdBy: null });
    const token = ai.authenticate(t.token);
    await ai.admit(token, call('gpt-4o', 4000)); // ~$0.043 worst case
    await expect(ai.admit(token, call('gpt-4o', 4000))).rejects.toMatchObject({ code: 'budget_exceeded', statusCode: 402 });
    clock = Math.floor(clock / DAY) * DAY + DAY;
    // The first reservation is still in flight, so it still counts; a smaller request fits beside it.
    await expect(ai.admit(token, call('gpt-4o', 400))).resolves.toBeDefined();
  });

  it('refuses a model the provider has no price for, and a token counting in another currency', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['*'], scopes: ['chat'], createdBy: null });
    await expect(ai.admit(ai.authenticate(t.token), call('llama-3'))).rejects.toMatchObject({ code: 'model_not_priced', statusCode: 403 });
    const eur = await ai.tokens.create({ environment: 'production', models: ['*'], scopes: ['chat'], budget: { maxSpend: '5.00', currency: 'EUR', period: '1d' }, createdBy: null });
    await expect(ai.admit(ai.authenticate(eur.token), call())).rejects.toMatchObject({ code: 'currency_mismatch' });
  });

  it('says which endpoint a provider lacks, and refuses a provider outside the token\'s list', async () => {
    const t = await ai.tokens.create({ environment: 'production', models: ['*'], scopes: ['chat'], providers: ['anthropic'], createdBy: null });
    const token = ai.authenticate(t.token);
    await expect(ai.admit(token, { ...call(), endpoint: 'messages' })).rejects.toMatchObject({ code: 'endpoint_not_supported', statusCode: 404 });
    await expect(ai.admit(token, call())).rejects.toMatchObject({ code: 'provider_not_allowed' });
  });
});
