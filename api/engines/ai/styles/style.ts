/**
 * What the proxy needs to know about one provider API: which endpoints exist and what scope each needs,
 * how to bound a request's output (so its worst-case cost is known before forwarding), how to authenticate
 * upstream, and where the provider reports token usage, in a JSON body or in the events of a stream.
 */
import type { Scope } from '../tokens.js';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface SseEvent {
  event: string;
  data: string;
}

export interface PreparedRequest {
  /** The body to forward (the caller's, plus an output cap or a usage request where needed). */
  body: Record<string, unknown>;
  /** Most output tokens the provider can bill for this request. */
  maxOutputTokens: number;
  stream: boolean;
}

export interface UsageTracker {
  onEvent(event: SseEvent): void;
  /** The usage once the stream reported all of it; undefined if it never did. */
  usage(): Usage | undefined;
}

export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface ApiStyle {
  readonly endpoints: Readonly<Record<string, Scope>>;
  prepare(endpoint: string, body: Record<string, unknown>, defaultMaxOutputTokens: number): PreparedRequest;
  headers(apiKey: string, incoming: IncomingHeaders): Record<string, string>;
  usageFromJson(json: unknown): Usage | undefined;
  streamTracker(): UsageTracker;
}

/** A token count as providers report it: a non-negative integer, or nothing. */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
