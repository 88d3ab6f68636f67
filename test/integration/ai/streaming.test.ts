/**
 * Streaming through the proxy: server-sent events reach the client as the provider sends them (not after
 * the provider finishes), usage is read from the final events of both APIs, a provider that stalls
 * mid-stream ends the stream with an error event, and a client that leaves stops the upstream call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chat, startAiHarness, type AiHarness } from './ai-harness.js';

let h: AiHarness;
beforeAll(async () => {
  h = await startAiHarness();
});
afterAll(async () => {
  await h.close();
});

const decoder = new TextDecoder();

/** Reads until `marker` has arrived, failing (instead of hanging) if it does not within `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string, ms = 5000): Promise<string> {
  let text = '';
  const deadline = Date.now() + ms;
  while (!text.includes(marker)) {
    const left = deadline - Date.now();
    const next = await Promise.race([reader.read(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, left)))]);
    if (next === 'timeout') throw new Error(`"${marker}" did not arrive within ${ms} ms; got: ${text.slice(0, 200)}`);
    if (next.done) throw new Error(`stream ended before "${marker}"`);
    text += decoder.decode(next.value, { stream: true });
  }
  return text;
}

it('passes the first Anthropic event through while the provider is still holding the rest', async () => {
  const { id, token } = await h.createBriefToken();
  h.anthropic.usage = () => ({ input: 2000, output: 40 });
  const release = h.anthropic.holdStreams();
  const res = await h.call('anthropic/messages', token, chat('claude-sonnet-4-20250514', { stream: true, max_tokens: 40 }));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  // A buffering proxy would deliver nothing until the provider finished, which it will not do until released.
  const first = await readUntil(reader, 'message_start');
  expect(first).not.toContain('message_stop');
  expect((await h.admin.ai.getUsage(id)).budget!.reserved).not.toBe('0.00');
  release();
  const rest = await readUntil(reader, 'message_stop');
  expect(rest).toContain('"output_tokens":40');
  await reader.cancel().catch(() => undefined);

  // 2000 × $3/M + 40 × $15/M = 0.006 + 0.0006, read from message_start and message_delta.
  await expect.poll(async () => (await h.admin.ai.getUsage(id)).cost).toBe('0.0066');
  expect((await h.admin.ai.getUsage(id)).budget).toMatchObject({ reserved: '0.00', spent: '0.0066' });
});

it('asks an OpenAI-compatible provider for usage in the stream and charges what its last chunk reports', async () => {
  const { id, token } = await h.createBriefToken();
  h.router.usage = () => ({ input: 900, output: 30 });
  const res = await h.call('router/chat/completions', token, chat('claude-sonnet-4-20250514', { stream: true, max_tokens: 30 }));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  expect(h.router.calls.at(-1)!.body.stream_options).toEqual({ include_usage: true });
  // 900 × $3/M + 30 × $15/M
  expect((await h.admin.ai.getUsage(id)).cost).toBe('0.00315');
});

it('fills in an output cap on OpenAI-style requests that name none, so their worst case is bounded', async () => {
  const { token } = await h.createBriefToken();
  const { max_tokens: _omitted, ...body } = chat('claude-sonnet-4-20250514');
  const res = await h.call('router/chat/completions', token, body);
  expect(res.status).toBe(200);
  expect(h.router.calls.at(-1)!.body.max_completion_tokens).toBe(4096);
});

it('ends the stream with an error event when the provider stalls mid-stream, and charges the worst case it admitted', async () => {
  await h.admin.ai.configureProvider('stalling', {
    style: 'anthropic',
    baseUrl: h.anthropic.baseUrl,
    credentialSecret: 'anthropic-key',
    currency: 'USD',
    prices: [{ model: 'claude-sonnet-4-*', input: '3.00', output: '15.00' }],
    timeoutMs: 300,
  });
  const { id, token } = await h.createBriefToken();
  h.anthropic.behaviour = { kind: 'stall-stream' };
  try {
    const res = await h.call('stalling/messages', token, chat('claude-sonnet-4-20250514', { stream: true, max_tokens: 100 }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('message_start');
    expect(text).toMatch(/event: error\ndata: .*"code":"provider_timeout"/);
  } finally {
    h.anthropic.behaviour = { kind: 'ok' };
  }
  const usage = await h.admin.ai.getUsage(id);
  // The output count never arrived: the call is charged as admitted (its reservation), and says so.
  expect(usage).toMatchObject({ requests: 1, failedRequests: 1, unmeteredRequests: 1 });
  expect(usage.budget!.reserved).toBe('0.00');
  expect(usage.budget!.spent).toBe(usage.cost);
  expect(usage.cost).not.toBe('0.00');
});

it('stops the upstream call when the client goes away mid-stream and settles the reservation', async () => {
  const { id, token } = await h.createBriefToken();
  const release = h.anthropic.holdStreams();
  const controller = new AbortController();
  const res = await fetch(`${h.url}/v1/ai/anthropic/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat('claude-sonnet-4-20250514', { stream: true })),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  await readUntil(reader, 'message_start');
  controller.abort();
  await expect.poll(async () => (await h.admin.ai.getUsage(id)).budget!.reserved, { timeout: 5000 }).toBe('0.00');
  release();
  expect((await h.admin.ai.getUsage(id)).requests).toBe(1);
});
