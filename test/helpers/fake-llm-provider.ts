/**
 * A fake LLM provider for tests: a real HTTP server on 127.0.0.1 speaking the OpenAI API
 * (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`) and the Anthropic Messages API
 * (`/v1/messages`), as JSON or as server-sent events, reporting token usage the way each provider does.
 * It checks the key like the real ones (and, like them, quotes a masked key when refusing it), records every
 * call it gets, and can be told to fail, hang, or hold a stream open after its first event.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface FakeUsage {
  input: number;
  output: number;
}

export type FakeBehaviour =
  | { kind: 'ok' }
  /** Answer with this status and JSON body. */
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Stream the first event, then go silent with the connection open. */
  | { kind: 'stall-stream' };

export interface FakeProvider {
  /** Base URL of both APIs, e.g. `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  calls: FakeCall[];
  behaviour: FakeBehaviour;
  /** What each call reports as used; default: prompt words and the output cap (at most 12). */
  usage: (body: Record<string, unknown>, path: string) => FakeUsage;
  /** Holds every stream after its first event until the returned function is called. */
  holdStreams(): () => void;
  close(): Promise<void>;
}

const WORDS = ['Lux', 'KMS', 'keeps', 'keys', 'where', 'no', 'single', 'party', 'holds', 'them', 'all', 'today'];

function defaultUsage(body: Record<string, unknown>): FakeUsage {
  const prompt = JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '');
  const input = prompt.split(/\s+/).filter(Boolean).length + 3;
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? 12);
  return { input, output: Math.min(cap, 12) };
}

const mask = (key: string) => `${key.slice(0, 4)}****${key.slice(-4)}`;
const sse = (res: ServerResponse, data: unknown, event?: string) => res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

export async function startFakeLlmProvider(apiKey: string): Promise<FakeProvider> {
  let gate: Promise<void> | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeProvider = {
    baseUrl: '',
    calls: [],
    behaviour: { kind: 'ok' },
    usage: defaultUsage,
    holdStreams() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    fake.calls.push({ path, headers: req.headers, body });

    const anthropic = path === '/v1/messages';
    const presented = anthropic ? req.headers['x-api-key'] : req.headers.authorization?.replace(/^Bearer /, '');
    if (presented !== apiKey) {
      return json(res, 401, { error: { message: `Incorrect API key provided: ${mask(String(presented ?? ''))}`, type: 'authentication_error' } });
    }
    if (anthropic && !req.headers['anthropic-version']) return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version header is required' } });

    const b = fake.behaviour;
    if (b.kind === 'hang') return;
    if (b.kind === 'status') {
      for (const [k, v] of Object.entries(b.headers ?? {})) res.setHeader(k, v);
      return json(res, b.status, b.body);
    }
    const usage = fake.usage(body, path);
    const model = String(body.model);
    const stall = b.kind === 'stall-stream';
    switch (path) {
      case '/v1/chat/completions':
        return body.stream ? openAiChatStream(res, model, usage, body, stall) : json(res, 200, openAiChat(model, usage));
      case '/v1/completions':
        return json(res, 200, { id: 'cmpl-fake', object: 'text_completion', model, choices: [{ index: 0, text: reply(usage.output), finish_reason: 'stop' }], usage: openAiUsage(usage) });
      case '/v1/embeddings':
        return json(res, 200, { object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] }], usage: { prompt_tokens: usage.input, total_tokens: usage.input } });
      case '/v1/messages':
        return body.stream ? anthropicStream(res, model, usage, stall) : json(res, 200, anthropicMessage(model, usage));
      default:
        return json(res, 404, { error: { message: `no route ${path}` } });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function held(): Promise<void> {
    if (gate) await gate;
  }

  async function openAiChatStream(res: ServerResponse, model: string, usage: FakeUsage, body: Record<string, unknown>, stall: boolean) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: object, finish: string | null = null) => ({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finish }], usage: null });
    sse(res, chunk({ role: 'assistant', content: '' }));
    if (stall) return;
    await held();
    for (let i = 0; i < Math.min(usage.output, MAX_WORDS); i++) sse(res, chunk({ content: `${WORDS[i % WORDS.length]} ` }));
    sse(res, chunk({}, 'stop'));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) sse(res, { id: 'chatcmpl-fake', object: 'chat.completion.chunk', model, choices: [], usage: openAiUsage(usage) });
    sse(res, '[DONE]');
    res.end();
  }

  async function anthropicStream(res: ServerResponse, model: string, usage: FakeUsage, stall: boolean) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    sse(res, { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: usage.input, output_tokens: 1 } } }, 'message_start');
    if (stall) return;
    await held();
    sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
    for (let i = 0; i < Math.min(usage.output, MAX_WORDS); i++) sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${WORDS[i % WORDS.length]} ` } }, 'content_block_delta');
    sse(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop');
    sse(res, { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } }, 'message_delta');
    sse(res, { type: 'message_stop' }, 'message_stop');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// The text stays short whatever usage is reported, so a test can bill millions of tokens cheaply.
const MAX_WORDS = 64;
const reply = (n: number) => Array.from({ length: Math.min(n, MAX_WORDS) }, (_, i) => WORDS[i % WORDS.length]).join(' ');
const openAiUsage = (u: FakeUsage) => ({ prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output });

function openAiChat(model: string, usage: FakeUsage) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply(usage.output) }, finish_reason: 'stop' }],
    usage: openAiUsage(usage),
  };
}

function anthropicMessage(model: string, usage: FakeUsage) {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: reply(usage.output) }],
    stop_reason: 'end_turn',
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}
