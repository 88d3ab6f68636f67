/** Reading the caller's output caps and counts, which bound the worst-case cost of a request. */
import { invalid } from '../../../server/errors.js';

const MAX_OUTPUT_TOKENS = 10_000_000;
const MAX_CHOICES = 128;

/** A positive integer the caller set, or undefined when the field is absent. */
export function outputCap(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_OUTPUT_TOKENS) {
    throw invalid('invalid_request', `"body.${field}" expected integer 1..${MAX_OUTPUT_TOKENS}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** How many completions one request asks for (`n`, `best_of`): each is billed as output. */
export function choiceCount(body: Record<string, unknown>, field: string): number {
  const v = body[field];
  if (v === undefined || v === null) return 1;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_CHOICES) {
    throw invalid('invalid_request', `"body.${field}" expected integer 1..${MAX_CHOICES}, got ${JSON.stringify(v)}`);
  }
  return v;
}
