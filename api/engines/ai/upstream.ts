/**
 * One call to a provider. The provider's first byte must arrive within the provider's timeout, and so must
 * every later chunk; a slow client pauses that clock rather than counting against the provider. Streams
 * (`text/event-stream`) are passed on chunk by chunk as they arrive, each chunk also shown to `onChunk` so
 * usage can be read from the events; other answers are read whole (bounded) and returned as bytes.
 *
 * Provider failures become gateway errors that name the provider and say what happened. What a provider says
 * back is passed on only when it concerns the caller's request, with the key cut out of it; a refused
 * credential is reported without the provider's words, which often quote part of the key.
 */
import { PassThrough, type Readable } from 'node:stream';
import { GatewayError } from '../../server/errors.js';
import { AiRateLimitError, providerFailed, providerTimeout } from './errors.js';
import { asObject, parseJson } from './styles/style.js';

export interface UpstreamRequest {
  providerName: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  timeoutMs: number;
  /** Cut out of anything the provider says back. */
  secret: string;
}

export type StreamOutcome = 'complete' | 'aborted' | 'timeout' | 'failed';

export type UpstreamResponse =
  | { kind: 'json'; contentType: string; body: Buffer }
  | { kind: 'stream'; contentType: string; body: Readable; finished: Promise<StreamOutcome> };

const MAX_RESPONSE_BYTES = 32 << 20;
const MAX_ERROR_BYTES = 64 << 10;
const MAX_QUOTED_CHARS = 300;

class Deadline {
  readonly controller = new AbortController();
  timedOut = false;
  #timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.arm();
  }
  arm(): void {
    this.pause();
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.ms);
  }
  pause(): void {
    clearTimeout(this.#timer);
  }
}

export async function callUpstream(req: UpstreamRequest, onChunk: (chunk: Uint8Array) => void, clientGone: AbortSignal): Promise<UpstreamResponse> {
  const deadline = new Deadline(req.timeoutMs);
  const onClientGone = () => deadline.controller.abort();
  clientGone.addEventListener('abort', onClientGone, { once: true });
  const done = () => {
    deadline.pause();
    clientGone.removeEventListener('abort', onClientGone);
  };
  const failure = (cause: unknown, what: string) => {
    done();
    if (clientGone.aborted) return new GatewayError('invalid', 'client_closed_request', 'the client closed the connection before the provider answered');
    if (deadline.timedOut) return providerTimeout(`provider "${req.providerName}" did not answer within ${req.timeoutMs} ms`);
    return providerFailed(what === 'connect' ? 'provider_unreachable' : 'provider_error', `provider "${req.providerName}" ${what === 'connect' ? 'could not be reached' : 'dropped the connection'}`, cause);
  };

  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { ...req.headers, 'content-type': 'application/json', accept: req.stream ? 'text/event-stream' : 'application/json' },
      body: req.body,
      signal: deadline.controller.signal,
      // A redirect could carry the key to another host; providers do not redirect API calls.
      redirect: 'manual',
    });
  } catch (cause) {
    throw failure(cause, 'connect');
  }

  if (res.status < 200 || res.status >= 300) {
    let text = '';
    try {
      text = (await readAll(res, MAX_ERROR_BYTES, deadline, true)).toString('utf8');
    } catch {
      // The status alone says enough.
    }
    done();
    throw statusError(req, res.status, text, res.headers.get('retry-after'));
  }

  const contentType = res.headers.get('content-type') ?? 'application/json';
  if (contentType.includes('text/event-stream') && res.body) {
    const out = new PassThrough();
    const finished = pump(res.body, out, onChunk, deadline).finally(done);
    return { kind: 'stream', contentType, body: out, finished };
  }
  try {
    const body = await readAll(res, MAX_RESPONSE_BYTES, deadline, false);
    done();
    return { kind: 'json', contentType, body };
  } catch (err) {
    if (err instanceof GatewayError) {
      done();
      throw err;
    }
    throw failure(err, 'read');
  }
}

async function readAll(res: Response, cap: number, deadline: Deadline, truncate: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    deadline.arm();
    size += value.byteLength;
    if (size > cap) {
      deadline.controller.abort();
      if (truncate) break;
      throw providerFailed('provider_response_too_large', `the provider's answer exceeded ${cap} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** Copies the provider's stream to `out` as it arrives; on a failure mid-stream, ends it with an error event. */
async function pump(body: ReadableStream<Uint8Array>, out: PassThrough, onChunk: (chunk: Uint8Array) => void, deadline: Deadline): Promise<StreamOutcome> {
  // The HTTP layer destroys `out` when the client goes away; stop reading from the provider then.
  out.once('close', () => {
    if (!out.writableFinished) deadline.controller.abort();
  });
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk(value);
      if (!out.write(value)) {
        deadline.pause();
        await drained(out);
        if (out.destroyed) return 'aborted';
      }
      deadline.arm();
    }
    out.end();
    return 'complete';
  } catch {
    if (out.destroyed) return 'aborted';
    const timedOut = deadline.timedOut;
    out.end(sseError(timedOut ? 'provider_timeout' : 'provider_error', timedOut ? 'the provider stopped sending within its timeout' : 'the provider connection dropped mid-stream'));
    return timedOut ? 'timeout' : 'failed';
  }
}

function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      out.off('drain', settle);
      out.off('close', settle);
      resolve();
    };
    out.on('drain', settle);
    out.on('close', settle);
  });
}

/** An error event both OpenAI and Anthropic clients recognise (`event: error`, an `error` object in the data). */
function sseError(code: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: code, code, message } })}\n\n`;
}

function statusError(req: UpstreamRequest, status: number, text: string, retryAfter: string | null): GatewayError {
  const p = req.providerName;
  if (status === 401 || status === 403) {
    return providerFailed('provider_auth_failed', `provider "${p}" refused the gateway's credential (HTTP ${status}); an operator must replace the stored key`);
  }
  const said = quoted(text, req.secret);
  const suffix = said ? `: ${said}` : '';
  if (status === 429) {
    const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : 1;
    return new AiRateLimitError('provider_rate_limited', `provider "${p}" is rate-limiting the gateway's account${suffix}`, seconds);
  }
  if (status >= 400 && status < 500 && status !== 408) return new GatewayError('invalid', 'provider_rejected_request', `provider "${p}" rejected the request (HTTP ${status})${suffix}`);
  return providerFailed('provider_error', `provider "${p}" failed (HTTP ${status})${suffix}`);
}

/** The provider's own error message (both APIs put it at `error.message`), key removed, one short line. */
function quoted(text: string, secret: string): string {
  const message = asObject(asObject(parseJson(text))?.error)?.message;
  if (typeof message !== 'string') return '';
  const clean = (secret ? message.split(secret).join('[redacted]') : message).replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_QUOTED_CHARS ? `${clean.slice(0, MAX_QUOTED_CHARS)}…` : clean;
}
