/**
 * Durations as callers write them: `365d`, `12h`, `30m`, `90s` (one integer and one unit). Validity of
 * certificates, `renewBefore`, SSH certificate lifetimes and CRL lifetimes all use this one parser, so
 * the same string means the same span everywhere.
 */
import { invalid } from '../../server/errors.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^([1-9][0-9]{0,9})([smhd])$/;

/** Longest span any duration may name: 100 years, far beyond any certificate we would issue. */
export const MAX_DURATION_SECONDS = 100 * 365 * 86_400;

/** Seconds named by `text`; a 400 naming `field` and the expected form otherwise. */
export function parseDuration(text: string, field: string): number {
  const m = DURATION.exec(text);
  if (!m) throw invalid('invalid_duration', `"${field}" expected a duration like "365d", "12h", "30m" or "90s", got "${text.slice(0, 40)}"`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  if (seconds > MAX_DURATION_SECONDS) throw invalid('invalid_duration', `"${field}" expected at most ${MAX_DURATION_SECONDS / 86_400}d, got "${text}"`);
  return seconds;
}
