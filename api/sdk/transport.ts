/**
 * HTTP transport of the SDK: JSON in and out, typed errors, and retries for idempotent calls only.
 * A create or rotate that timed out may still have happened, so repeating it could write twice; reads,
 * deletes and dry runs can be repeated safely, and are, on network errors, 429, 502, 503 and 504.
 */
import { ConnectionError, errorFromResponse, LuxKMSError, RateLimitError } from './errors.js';

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Per-attempt timeout of calls that run a ceremony between the cluster's nodes. */
  ceremonyTimeoutMs: number;
  maxRetries: number;
  headers?: Record<string, string>;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | readonly string[] | undefined>;
  body?: unknown;
  idempotent: boolean;
  /** The call runs a ceremony between nodes (keygen, threshold signing, retirement): it gets `ceremonyTimeoutMs`. */
  ceremony?: boolean;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Transport {
  constructor(private readonly options: TransportOptions) {}

  withHeaders(headers: Record<string, string>): Transport {
    return new Transport({ ...this.options, headers: { ...this.options.headers, ...headers } });
  }

  async call<T>(call: Call): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(call);
      } catch (err) {
        const retryable = err instanceof ConnectionError || (err instanceof LuxKMSError && RETRYABLE_STATUS.has(err.status));
        if (!call.idempotent || !retryable || attempt >= this.options.maxRetries) throw err;
        const hinted = err instanceof RateLimitError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
        const backoff = BASE_DELAY_MS * 2 ** attempt * (0.5 + Math.random() / 2);
        await sleep(Math.min(MAX_DELAY_MS, Math.max(hinted, backoff)));
      }
    }
  }

  async #once<T>(call: Call): Promise<T> {
    const url = new URL(this.options.baseUrl.replace(/\/+$/, '') + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json', ...this.options.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(call.ceremony ? this.options.ceremonyTimeoutMs : this.options.timeoutMs),
      });
    } catch (cause) {
      throw new ConnectionError(`cannot reach the gateway at ${url.origin}: ${(cause as Error).message}`, 'connection_failed', 0, undefined, { cause });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw errorFromResponse(res.status, body, res.headers.get('retry-after'));
    return body as T;
  }
}
