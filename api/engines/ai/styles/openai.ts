/**
 * The OpenAI-compatible API (`/chat/completions`, `/completions`, `/embeddings`), which most hosted and
 * self-hosted model servers speak. Usage arrives in `usage` of the JSON body; in a stream, only if the
 * request asked for it, so streamed requests get `stream_options.include_usage` added.
 */
import { choiceCount, outputCap } from './output-cap.js';
import { asObject, parseJson, tokenCount, type ApiStyle, type Usage, type UsageTracker } from './style.js';

function usageOf(value: unknown): Usage | undefined {
  const usage = asObject(value);
  const inputTokens = tokenCount(usage?.prompt_tokens);
  if (inputTokens === undefined) return undefined;
  // Embeddings report no completion tokens at all.
  return { inputTokens, outputTokens: tokenCount(usage?.completion_tokens) ?? 0 };
}

export const openAiStyle: ApiStyle = {
  endpoints: { 'chat/completions': 'chat', completions: 'completions', embeddings: 'embeddings' },

  prepare(endpoint, body, defaultMaxOutputTokens) {
    if (endpoint === 'embeddings') return { body, maxOutputTokens: 0, stream: false };
    const out = { ...body };
    // `max_tokens` is deprecated for chat in favour of `max_completion_tokens`; either one bounds the output.
    const capField = endpoint === 'chat/completions' ? 'max_completion_tokens' : 'max_tokens';
    let cap = endpoint === 'chat/completions' ? (outputCap(body, 'max_completion_tokens') ?? outputCap(body, 'max_tokens')) : outputCap(body, 'max_tokens');
    if (cap === undefined) {
      cap = defaultMaxOutputTokens;
      out[capField] = cap;
    }
    const choices = Math.max(choiceCount(body, 'n'), endpoint === 'completions' ? choiceCount(body, 'best_of') : 1);
    const stream = body.stream === true;
    if (stream) out.stream_options = { ...asObject(body.stream_options), include_usage: true };
    return { body: out, maxOutputTokens: cap * choices, stream };
  },

  headers(apiKey, _incoming) {
    return { authorization: `Bearer ${apiKey}` };
  },

  usageFromJson(json) {
    return usageOf(asObject(json)?.usage);
  },

  streamTracker(): UsageTracker {
    let usage: Usage | undefined;
    return {
      onEvent({ data }) {
        if (data === '[DONE]' || !data.includes('"usage"')) return;
        usage = usageOf(asObject(parseJson(data))?.usage) ?? usage;
      },
      usage: () => usage,
    };
  },
};
