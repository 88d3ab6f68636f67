/**
 * What must never happen: the provider key reaching a caller, the logs, the audit log or the raw store;
 * a revoked, expired, unknown or wrong kind of token being accepted; a provider failure leaving money
 * reserved or being reported as anything but a clear gateway error.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlmProvider, type FakeProvider } from '../../helpers/fake-llm-provider.js';
import { ANTHROPIC_KEY, chat, ROUTER_KEY, startAiHarness, type AiHarness } from './ai-harness.js';

const PROMPT_MARKER = 'PROMPT-MARKER-the-treasury-passphrase-is-swordfish';
const FLAKY_KEY = 'sk-flaky-FAKEkey-abcdefghijklmnopqrstuvwxyz012345';

let h: AiHarness;
let flaky: FakeProvider;
const logLines: string[] = [];
const seen: string[] = [];

/** Every byte a caller got back (status, headers, body) is kept, to search for the key afterwards. */
async function observed(res: Response): Promise<{ status: number; body: string }> {
  const body = await res.text();
  seen.push(String(res.status), JSON.stringify([...res.headers.entries()]), body);
  return { status: res.status, body };
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  h = await startAiHarness({ logger: pino({ level: 'trace' }, sink) });
  flaky = await startFakeLlmProvider(FLAKY_KEY);
  await h.admin.secrets.create({ name: 'flaky-key', value: FLAKY_KEY, environment: 'production' });
  await h.admin.ai.configureProvider('flaky', {
    style: 'openai',
    baseUrl: flaky.baseUrl,
    credentialSecret: 'flaky-key',
    currency: 'USD',
    prices: [{ model: 'gpt-4o', input: '2.50', output: '10.00' }],
    timeoutMs: 400,
  });
});
afterAll(async () => {
  await h.close();
  await flaky.close();
});

describe('provider errors and timeouts', () => {
  const cases: { name: string; behaviour: FakeProvider['behaviour']; status: number; code: string; message: RegExp }[] = [
    { name: 'a provider 500', behaviour: { kind: 'status', status: 500, body: { error: { message: 'upstream overloaded' } } }, status: 502, code: 'provider_error', message: /provider "flaky" failed \(HTTP 500\): upstream overloaded/ },
    { name: 'a provider 503 without a body', behaviour: { kind: 'status', status: 503, body: null }, status: 502, code: 'provider_error', message: /HTTP 503/ },
    { name: 'a provider 429', behaviour: { kind: 'status', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '7' } }, status: 429, code: 'provider_rate_limited', message: /rate-limiting the gateway's account: slow down/ },
    { name: 'a provider 400 that quotes the key', behaviour: { kind: 'status', status: 400, body: { error: { message: `bad parameter "temperature" for key ${FLAKY_KEY}` } } }, status: 400, code: 'provider_rejected_request', message: /rejected the request \(HTTP 400\): bad parameter "temperature" for key \[redacted\]/ },
    { name: 'a provider that never answers', behaviour: { kind: 'hang' }, status: 504, code: 'provider_timeout', message: /did not answer within 400 ms/ },
  ];

  for (const c of cases) {
    it(`turns ${c.name} into ${c.status} ${c.code} and releases the reservation`, async () => {
      const { id, token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], budget: { maxSpend: '5.00', currency: 'USD', period: '1d' } });
      flaky.behaviour = c.behaviour;
      try {
        const res = await h.call('flaky/chat/completions', token, chat('gpt-4o', { messages: [{ role: 'user', content: PROMPT_MARKER }] }));
        if (c.status === 429) expect(res.headers.get('retry-after')).toBe('7');
        const { status, body } = await observed(res);
        expect(status).toBe(c.status);
        const parsed = JSON.parse(body) as { code: string; message: string; requestId: string };
        expect(parsed.code).toBe(c.code);
        expect(parsed.message).toMatch(c.message);
        expect(parsed.requestId).toMatch(/^[0-9a-f-]{36}$/);
      } finally {
        flaky.behaviour = { kind: 'ok' };
      }
      const usage = await h.admin.ai.getUsage(id);
      expect(usage).toMatchObject({ requests: 1, failedRequests: 1, cost: '0.00' });
      expect(usage.budget).toMatchObject({ spent: '0.00', reserved: '0.00', remaining: '5.00' });
    });
  }

  it('reports a provider that refuses the stored key as 502 provider_auth_failed, without the provider\'s words', async () => {
    await h.admin.secrets.update('flaky-key', { value: 'sk-wrong-key-0000000000000000000000', environment: 'production' });
    try {
      const { token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'] });
      const { status, body } = await observed(await h.call('flaky/chat/completions', token, chat('gpt-4o')));
      expect(status).toBe(502);
      expect(JSON.parse(body)).toMatchObject({ code: 'provider_auth_failed' });
      expect(body).not.toContain('Incorrect API key');
      expect(body).not.toContain('sk-w');
    } finally {
      await h.admin.secrets.update('flaky-key', { value: FLAKY_KEY, environment: 'production' });
    }
  });

  it('reports an unreachable provider as 502 provider_unreachable', async () => {
    const gone = await startFakeLlmProvider(FLAKY_KEY);
    await gone.close();
    await h.admin.ai.configureProvider('gone', { style: 'openai', baseUrl: gone.baseUrl, credentialSecret: 'flaky-key', currency: 'USD', prices: [{ model: 'gpt-4o', input: '2.50', output: '10.00' }] });
    const { id, token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], budget: { maxSpend: '1.00', currency: 'USD', period: '1d' } });
    const { status, body } = await observed(await h.call('gone/chat/completions', token, chat('gpt-4o')));
    expect(status).toBe(502);
    expect(JSON.parse(body)).toMatchObject({ code: 'provider_unreachable', message: 'provider "gone" could not be reached' });
    expect((await h.admin.ai.getUsage(id)).budget).toMatchObject({ reserved: '0.00', spent: '0.00' });
  });

  it('refuses with 503 provider_credential_missing when the token\'s environment holds no key for the provider', async () => {
    const { token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], environment: 'staging' });
    const before = flaky.calls.length;
    const { status, body } = await observed(await h.call('flaky/chat/completions', token, chat('gpt-4o')));
    expect(status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ code: 'provider_credential_missing', message: expect.stringContaining('environment "staging"') });
    expect(flaky.calls.length).toBe(before);
  });

  it('uses the key of the token\'s own environment', async () => {
    const STAGING_KEY = 'sk-staging-FAKEkey-zyxwvutsrqponmlkjihgfedcba9876';
    const staging = await startFakeLlmProvider(STAGING_KEY);
    try {
      await h.admin.secrets.create({ name: 'staging-router-key', value: STAGING_KEY, environment: 'staging' });
      await h.admin.ai.configureProvider('per-env', { style: 'openai', baseUrl: staging.baseUrl, credentialSecret: 'staging-router-key', currency: 'USD', prices: [{ model: 'gpt-4o', input: '2.50', output: '10.00' }] });
      const prod = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], environment: 'production' });
      const stag = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], environment: 'staging' });
      expect((await observed(await h.call('per-env/chat/completions', stag.token, chat('gpt-4o')))).status).toBe(200);
      expect(staging.calls.at(-1)!.headers.authorization).toBe(`Bearer ${STAGING_KEY}`);
      expect((await observed(await h.call('per-env/chat/completions', prod.token, chat('gpt-4o')))).status).toBe(503);
    } finally {
      await staging.close();
    }
  });
});

describe('tokens that must not work', () => {
  const post = async (token: string | undefined) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${h.url}/v1/ai/anthropic/messages`, { method: 'POST', headers, body: JSON.stringify(chat('claude-sonnet-4-20250514')) });
    return { status: res.status, body: (await res.json()) as { code: string; message: string } };
  };

  it('refuses a revoked token with 401 ai_token_revoked', async () => {
    const { id, token } = await h.createBriefToken();
    expect((await post(token)).status).toBe(200);
    const revoked = await h.admin.ai.revokeToken(id);
    expect(revoked.revokedAt).toBeDefined();
    expect(await post(token)).toMatchObject({ status: 401, body: { code: 'ai_token_revoked' } });
    const audit = await h.admin.audit.list({ keyId: id, actions: ['chat'] });
    expect(audit.records.map((r) => r.code)).toEqual(['allowed', 'ai_token_revoked']);
  });

  it('refuses an expired token with 401 ai_token_expired', async () => {
    const { token } = await h.admin.ai.createToken({ model: 'claude-sonnet-4-*', scopes: ['chat'], expiresIn: '1s' });
    expect((await post(token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await post(token)).toMatchObject({ status: 401, body: { code: 'ai_token_expired' } });
  });

  it('refuses a missing token, a forged one, a tampered one, and an API key used as an AI token', async () => {
    const { token } = await h.createBriefToken();
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await post(undefined)).toMatchObject({ status: 401, body: { code: 'missing_ai_token' } });
    expect(await post(`lkai_0123456789abcdef_${'x'.repeat(43)}`)).toMatchObject({ status: 401, body: { code: 'invalid_ai_token' } });
    expect(await post(tampered)).toMatchObject({ status: 401, body: { code: 'invalid_ai_token' } });
    expect(await post(h.adminApiKey)).toMatchObject({ status: 401, body: { code: 'invalid_ai_token' } });
  });

  it('refuses an AI token on the management API (it is not an API key)', async () => {
    const { id, token } = await h.createBriefToken();
    const res = await fetch(`${h.url}/v1/ai/tokens/${id}/usage`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_api_key');
  });

  it('keeps an API key bound to staging away from production tokens', async () => {
    const { id } = await h.createBriefToken();
    const { apiKey } = await h.admin.apiKeys.create({ name: 'staging-ops', environments: ['staging'], policies: ['root'] });
    const ops = h.client(apiKey, 'staging');
    await expect(ops.ai.getUsage(id)).rejects.toMatchObject({ status: 403, code: 'environment_forbidden' });
    await expect(ops.ai.revokeToken(id)).rejects.toMatchObject({ status: 403, code: 'environment_forbidden' });
    await expect(ops.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], environment: 'production' })).rejects.toMatchObject({ status: 403 });
    expect((await ops.ai.listTokens()).every((t) => t.environment === 'staging')).toBe(true);
  });
});

describe('the provider key stays secret', () => {
  it('appears in no response, log line, audit record or raw stored byte, and neither do prompts in the audit log', async () => {
    const { token } = await h.createBriefToken();
    const prompt = { messages: [{ role: 'user', content: PROMPT_MARKER }] };
    for (const stream of [false, true]) {
      await observed(await h.call('anthropic/messages', token, chat('claude-sonnet-4-20250514', { ...prompt, stream })));
      await observed(await h.call('router/chat/completions', token, chat('claude-sonnet-4-20250514', { ...prompt, stream })));
    }
    await observed(await h.call('router/embeddings', token, { model: 'claude-sonnet-4-20250514', input: PROMPT_MARKER }));
    await observed(await h.call('router/chat/completions', token, chat('gpt-4o', prompt)));
    // The key did reach the providers: the searches below look for something that exists.
    expect(h.anthropic.calls.at(-1)!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(h.router.calls.at(-1)!.headers.authorization).toBe(`Bearer ${ROUTER_KEY}`);

    const providers = JSON.stringify(await h.admin.ai.listProviders());
    const audit = JSON.stringify(await h.admin.audit.list({ limit: 1000 }));
    const raw: Buffer[] = [];
    for await (const [key, value] of h.store.entries('')) raw.push(Buffer.from(key), Buffer.from(value));
    const rawStore = Buffer.concat(raw);
    expect(logLines.length).toBeGreaterThan(0);
    expect(audit).toContain('ai-model:anthropic/claude-sonnet-4-20250514');

    for (const key of [ANTHROPIC_KEY, ROUTER_KEY, FLAKY_KEY]) {
      for (const [where, text] of [['responses', seen.join('\n')], ['logs', logLines.join('')], ['audit', audit], ['providers', providers]] as const) {
        expect(text.includes(key), `${where} contain a provider key`).toBe(false);
      }
      expect(rawStore.includes(Buffer.from(key)), 'the raw store holds a provider key in clear').toBe(false);
    }
    expect(audit.includes(PROMPT_MARKER)).toBe(false);
    expect(rawStore.includes(Buffer.from(PROMPT_MARKER))).toBe(false);
    expect(logLines.join('').includes(token)).toBe(false);
    expect(rawStore.includes(Buffer.from(token))).toBe(false);
    expect((await h.admin.audit.verify()).valid).toBe(true);
  });
});
