/**
 * The brief's example token against fake providers on real ports: the allowed model passes (both APIs,
 * both auth headers), another model and a missing scope are refused with 403, the 1001st request of the
 * hour gets 429, spending past the budget gets 402, and usage totals are exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuxKMS } from '../../../api/sdk/index.js';
import { chat, startAiHarness, BRIEF_TOKEN, type AiHarness } from './ai-harness.js';

let h: AiHarness;
beforeAll(async () => {
  h = await startAiHarness();
});
afterAll(async () => {
  await h.close();
});

describe('the brief, as written', () => {
  it('creates the token and reads its usage with the SDK calls of the brief', async () => {
    const kms = new LuxKMS({ apiKey: h.adminApiKey, environment: 'production', baseUrl: h.url });
    const token = await kms.ai.createToken({
      model: 'claude-sonnet-4-20250514',
      scopes: ['chat', 'embeddings'],
      rateLimit: { requests: 1000, period: '1h' },
      budget: { maxSpend: '100.00', currency: 'USD', period: '1d' },
    });
    expect(token.id).toMatch(/^ait_[0-9a-f]{16}$/);
    expect(token.token).toMatch(/^lkai_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ environment: 'production', models: ['claude-sonnet-4-20250514'], scopes: ['chat', 'embeddings'], budget: BRIEF_TOKEN.budget });

    h.anthropic.usage = () => ({ input: 1200, output: 300 });
    const res = await h.call('anthropic/messages', token.token, chat('claude-sonnet-4-20250514', { max_tokens: 300 }));
    expect(res.status).toBe(200);

    const usage = await kms.ai.getUsage(token.id);
    expect(usage).toMatchObject({ requests: 1, tokens: 1500, cost: '0.0081' });
    // 1200 × $3/M + 300 × $15/M = 0.0036 + 0.0045
    expect(usage.budget).toMatchObject({ maxSpend: '100.00', spent: '0.0081', reserved: '0.00', remaining: '99.9919' });
    expect((await kms.ai.getToken(token.id)).id).toBe(token.id);
    expect(JSON.stringify(await kms.ai.listTokens())).not.toContain(token.token);
  });
});

describe('model and scope bindings', () => {
  it('forwards the allowed model on the Anthropic API (x-api-key, as its SDK sends it) and on an OpenAI-compatible one', async () => {
    const { token } = await h.createBriefToken();
    const viaAnthropic = await fetch(`${h.url}/v1/ai/anthropic/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(chat('claude-sonnet-4-20250514')),
    });
    expect(viaAnthropic.status).toBe(200);
    expect(((await viaAnthropic.json()) as { type: string }).type).toBe('message');
    expect(h.anthropic.calls.at(-1)!.headers['anthropic-version']).toBe('2023-06-01');

    const viaRouter = await h.call('router/chat/completions', token, chat('claude-sonnet-4-20250514'));
    expect(viaRouter.status).toBe(200);
    expect(((await viaRouter.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('refuses another model with 403 model_not_allowed, and forwards nothing', async () => {
    const { token } = await h.createBriefToken();
    const before = h.router.calls.length + h.anthropic.calls.length;
    for (const [path, model] of [['router/chat/completions', 'gpt-4o'], ['anthropic/messages', 'claude-opus-4-20250514'], ['anthropic/messages', 'claude-sonnet-4-20250514-extra']] as const) {
      const res = await h.call(path, token, chat(model));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'model_not_allowed', message: expect.stringContaining(`model "${model}"`) });
    }
    expect(h.router.calls.length + h.anthropic.calls.length).toBe(before);
  });

  it('refuses an endpoint outside the token\'s scopes with 403 scope_not_allowed; embeddings (in scope) pass', async () => {
    const { token } = await h.createBriefToken();
    const completions = await h.call('router/completions', token, { model: 'claude-sonnet-4-20250514', prompt: 'hello', max_tokens: 5 });
    expect(completions.status).toBe(403);
    expect(await completions.json()).toMatchObject({ code: 'scope_not_allowed', message: expect.stringContaining('"completions"') });
    const embeddings = await h.call('router/embeddings', token, { model: 'claude-sonnet-4-20250514', input: 'hello' });
    expect(embeddings.status).toBe(200);
  });
});

describe('rate limit', () => {
  it('admits 1000 requests in the hour, refuses the 1001st with 429 and retry-after, and counts usage exactly', async () => {
    const { id, token } = await h.createBriefToken();
    h.router.usage = () => ({ input: 1000, output: 500 });
    const statuses: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => h.call('router/chat/completions', token, chat('claude-sonnet-4-20250514', { max_tokens: 500 }))));
      for (const r of results) {
        statuses.push(r.status);
        await r.arrayBuffer();
      }
    }
    expect(statuses.filter((s) => s === 200).length).toBe(1000);

    const refused = await h.call('router/chat/completions', token, chat('claude-sonnet-4-20250514', { max_tokens: 500 }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'ai_rate_limited', message: expect.stringContaining('1000 requests per 1h') });

    // 1000 × (1000 × $3/M + 500 × $15/M) = 1000 × $0.0105: a float sum would drift off $10.50.
    const usage = await h.admin.ai.getUsage(id);
    expect(usage).toMatchObject({ requests: 1000, inputTokens: 1_000_000, outputTokens: 500_000, tokens: 1_500_000, cost: '10.50' });
    expect(usage.rateLimit).toMatchObject({ requests: 1000, period: '1h', used: 1000 });
    expect(usage.periods.reduce((n, p) => n + p.requests, 0)).toBe(1000);

    const first = await h.admin.audit.list({ keyId: id, limit: 1000 });
    expect(first.records.every((r) => r.actor === id && r.result === 'allowed' && r.action === 'chat' && r.resource === 'ai-model:router/claude-sonnet-4-20250514')).toBe(true);
    const rest = await h.admin.audit.list({ keyId: id, limit: 1000, cursor: first.nextCursor! });
    // The rest: the refused call, then the admin's usage read (about the token, so matched by its id too).
    expect(rest.records).toHaveLength(2);
    expect(rest.records[0]).toMatchObject({ actor: id, result: 'rejected', code: 'ai_rate_limited', action: 'chat', environment: 'production' });
    expect(rest.records[1]).toMatchObject({ action: 'usage', resource: `ai-token:${id}`, result: 'allowed' });
  });

  it('caps model tokens per period: the call that crosses the cap completes, the next is refused with 429 ai_token_limit', async () => {
    const { id, token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], rateLimit: { requests: 100, period: '1h', tokens: 1000 } });
    h.router.usage = () => ({ input: 400, output: 200 });
    expect((await h.call('router/chat/completions', token, chat('gpt-4o'))).status).toBe(200);
    expect((await h.call('router/chat/completions', token, chat('gpt-4o'))).status).toBe(200);
    const refused = await h.call('router/chat/completions', token, chat('gpt-4o'));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'ai_token_limit', message: expect.stringContaining('1000 model tokens per 1h') });
    expect((await h.admin.ai.getUsage(id)).rateLimit).toMatchObject({ used: 2, tokens: 1000, tokensUsed: 1200 });
  });
});

describe('budget', () => {
  it('refuses a request whose worst case would pass the budget with 402 budget_exceeded, admits one that fits, and totals to the micro-dollar', async () => {
    const { id, token } = await h.createBriefToken();
    // One big call: 1000 in + 6.6M out = $0.003 + $99.00.
    h.anthropic.usage = (body) => ({ input: 1000, output: Number(body.max_tokens) });
    const big = await h.call('anthropic/messages', token, chat('claude-sonnet-4-20250514', { max_tokens: 6_600_000 }));
    expect(big.status).toBe(200);
    expect((await h.admin.ai.getUsage(id)).budget).toMatchObject({ spent: '99.003', remaining: '0.997' });

    // Up to 70k output tokens could cost $1.05: more than the $0.997 left.
    const over = await h.call('anthropic/messages', token, chat('claude-sonnet-4-20250514', { max_tokens: 70_000 }));
    expect(over.status).toBe(402);
    const body = (await over.json()) as { code: string; message: string };
    expect(body.code).toBe('budget_exceeded');
    expect(body.message).toMatch(/budget of 100\.00 USD per 1d.*0\.997 remains until/);

    const fits = await h.call('anthropic/messages', token, chat('claude-sonnet-4-20250514', { max_tokens: 100 }));
    expect(fits.status).toBe(200);
    const usage = await h.admin.ai.getUsage(id);
    // 99.003 + (1000 × $3/M + 100 × $15/M = 0.0045)
    expect(usage).toMatchObject({ requests: 2, cost: '99.0075', currency: 'USD' });
    expect(usage.budget).toMatchObject({ spent: '99.0075', reserved: '0.00', remaining: '0.9925' });
  });
});
