/**
 * The Anthropic Messages API (`/messages`). `max_tokens` is required by the API itself, so it always bounds
 * the output. Usage is in the JSON body; in a stream, input arrives in `message_start` and the running output
 * count in each `message_delta`. Cache writes and reads are billed here as input tokens at the input price.
 */
import { invalid } from '../../../server/errors.js';
import { outputCap } from './output-cap.js';
import { asObject, parseJson, tokenCount, type ApiStyle, type IncomingHeaders, type UsageTracker } from './style.js';

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

function inputOf(usage: Record<string, unknown> | undefined): number | undefined {
  const base = tokenCount(usage?.input_tokens);
  if (base === undefined) return undefined;
  return base + (tokenCount(usage?.cache_creation_input_tokens) ?? 0) + (tokenCount(usage?.cache_read_input_tokens) ?? 0);
}

function passHeader(incoming: IncomingHeaders, name: string): string | undefined {
  const v = incoming[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !HEADER_VALUE.test(v)) throw invalid('invalid_request', `header "${name}" expected one printable token of at most 200 characters`);
  return v;
}

export const anthropicStyle: ApiStyle = {
  endpoints: { messages: 'chat' },

  prepare(_endpoint, body) {
    const cap = outputCap(body, 'max_tokens');
    if (cap === undefined) throw invalid('max_tokens_required', '"body.max_tokens" is required by the Messages API');
    return { body, maxOutputTokens: cap, stream: body.stream === true };
  },

  headers(apiKey, incoming) {
    const beta = passHeader(incoming, 'anthropic-beta');
    return {
      'x-api-key': apiKey,
      'anthropic-version': passHeader(incoming, 'anthropic-version') ?? DEFAULT_ANTHROPIC_VERSION,
      ...(beta ? { 'anthropic-beta': beta } : {}),
    };
  },

  usageFromJson(json) {
    const usage = asObject(asObject(json)?.usage);
    const inputTokens = inputOf(usage);
    const outputTokens = tokenCount(usage?.output_tokens);
    return inputTokens === undefined || outputTokens === undefined ? undefined : { inputTokens, outputTokens };
  },

  streamTracker(): UsageTracker {
    let input: number | undefined;
    let output: number | undefined;
    return {
      onEvent({ event, data }) {
        if (event === 'message_start') {
          input = inputOf(asObject(asObject(asObject(parseJson(data))?.message)?.usage)) ?? input;
        } else if (event === 'message_delta') {
          const usage = asObject(asObject(parseJson(data))?.usage);
          // The delta's counts are cumulative; newer API versions repeat the input count here too.
          output = tokenCount(usage?.output_tokens) ?? output;
          input = inputOf(usage) ?? input;
        }
      },
      usage: () => (input === undefined || output === undefined ? undefined : { inputTokens: input, outputTokens: output }),
    };
  },
};
