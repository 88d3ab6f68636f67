/** The two provider APIs: output bounds, injected fields, upstream headers, and where each reports usage. */
import { describe, expect, it } from 'vitest';
import { anthropicStyle } from '../../../api/engines/ai/styles/anthropic.js';
import { openAiStyle } from '../../../api/engines/ai/styles/openai.js';
import type { ApiStyle, SseEvent } from '../../../api/engines/ai/styles/style.js';

function track(style: ApiStyle, events: SseEvent[]) {
  const t = style.streamTracker();
  for (const e of events) t.onEvent(e);
  return t.usage();
}

describe('OpenAI style', () => {
  it('bounds chat output by max_completion_tokens, then max_tokens, else fills in the provider default', () => {
    expect(openAiStyle.prepare('chat/completions', { model: 'm', max_completion_tokens: 50, max_tokens: 9 }, 4096).maxOutputTokens).toBe(50);
    expect(openAiStyle.prepare('chat/completions', { model: 'm', max_tokens: 9 }, 4096).maxOutputTokens).toBe(9);
    const filled = openAiStyle.prepare('chat/completions', { model: 'm' }, 4096);
    expect(filled).toMatchObject({ maxOutputTokens: 4096, body: { max_completion_tokens: 4096 } });
    expect(openAiStyle.prepare('completions', { model: 'm' }, 100).body).toMatchObject({ max_tokens: 100 });
  });

  it('multiplies the bound by the number of choices asked for (n, best_of), each billed as output', () => {
    expect(openAiStyle.prepare('chat/completions', { model: 'm', max_tokens: 10, n: 4 }, 4096).maxOutputTokens).toBe(40);
    expect(openAiStyle.prepare('completions', { model: 'm', max_tokens: 10, n: 2, best_of: 5 }, 4096).maxOutputTokens).toBe(50);
  });

  it('asks for usage in streams without dropping the caller\'s stream options; embeddings have no output', () => {
    const p = openAiStyle.prepare('chat/completions', { model: 'm', stream: true, stream_options: { other: 1 } }, 10);
    expect(p.stream).toBe(true);
    expect(p.body.stream_options).toEqual({ other: 1, include_usage: true });
    expect(openAiStyle.prepare('embeddings', { model: 'e', input: 'x' }, 10)).toMatchObject({ maxOutputTokens: 0, stream: false });
  });

  it('refuses output caps and choice counts that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, '100', 1e12]) {
      expect(() => openAiStyle.prepare('chat/completions', { model: 'm', max_tokens: bad }, 10)).toThrow(/"body.max_tokens" expected integer/);
    }
    expect(() => openAiStyle.prepare('chat/completions', { model: 'm', n: 1000 }, 10)).toThrow(/"body.n" expected integer 1..128/);
  });

  it('reads usage from the body and from the last stream chunk, ignoring chunks with null usage', () => {
    expect(openAiStyle.usageFromJson({ usage: { prompt_tokens: 12, completion_tokens: 3 } })).toEqual({ inputTokens: 12, outputTokens: 3 });
    expect(openAiStyle.usageFromJson({ usage: { prompt_tokens: 7, total_tokens: 7 } })).toEqual({ inputTokens: 7, outputTokens: 0 });
    expect(openAiStyle.usageFromJson({ usage: { prompt_tokens: -1 } })).toBeUndefined();
    expect(openAiStyle.usageFromJson({})).toBeUndefined();
    const events = [
      { event: 'message', data: '{"choices":[{"delta":{"content":"hi"}}],"usage":null}' },
      { event: 'message', data: '{"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":5}}' },
      { event: 'message', data: '[DONE]' },
    ];
    expect(track(openAiStyle, events)).toEqual({ inputTokens: 20, outputTokens: 5 });
    expect(track(openAiStyle, events.slice(0, 1))).toBeUndefined();
  });

  it('authenticates upstream with a bearer key only', () => {
    expect(openAiStyle.headers('sk-x', { authorization: 'Bearer lkai_caller', 'x-api-key': 'y' })).toEqual({ authorization: 'Bearer sk-x' });
  });
});

describe('Anthropic style', () => {
  it('requires max_tokens (as the API does) and bounds the output by it', () => {
    expect(anthropicStyle.prepare('messages', { model: 'c', max_tokens: 300 }, 4096)).toMatchObject({ maxOutputTokens: 300, stream: false });
    expect(() => anthropicStyle.prepare('messages', { model: 'c' }, 4096)).toThrow(/"body.max_tokens" is required/);
  });

  it('sends the key as x-api-key, a default API version, and passes version and beta headers through', () => {
    expect(anthropicStyle.headers('k', {})).toEqual({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
    expect(anthropicStyle.headers('k', { 'anthropic-version': '2024-01-01', 'anthropic-beta': 'tools-2024' })).toEqual({ 'x-api-key': 'k', 'anthropic-version': '2024-01-01', 'anthropic-beta': 'tools-2024' });
    expect(() => anthropicStyle.headers('k', { 'anthropic-beta': 'a\r\nx-injected: 1' })).toThrow(/header "anthropic-beta"/);
  });

  it('counts cache writes and reads as input, from the body and from message_start / message_delta', () => {
    expect(anthropicStyle.usageFromJson({ usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 2, output_tokens: 4 } })).toEqual({ inputTokens: 17, outputTokens: 4 });
    const events = [
      { event: 'message_start', data: '{"message":{"usage":{"input_tokens":30,"output_tokens":1}}}' },
      { event: 'content_block_delta', data: '{"delta":{"text":"hi"}}' },
      { event: 'message_delta', data: '{"usage":{"output_tokens":9}}' },
      { event: 'message_delta', data: '{"usage":{"output_tokens":15}}' },
    ];
    expect(track(anthropicStyle, events)).toEqual({ inputTokens: 30, outputTokens: 15 });
    // A stream cut before any message_delta never said how much it produced.
    expect(track(anthropicStyle, events.slice(0, 2))).toBeUndefined();
  });
});
