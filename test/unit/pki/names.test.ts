/** SAN classification and the wildcard, label and duration rules enforced before anything is signed. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../api/engines/certificates/duration.js';
import { parseSan, parseSans, requireCommonName } from '../../../api/engines/certificates/names.js';

describe('SANs', () => {
  it.each([
    ['api.yourbank.com', 'dns', 'api.yourbank.com'],
    ['API.YourBank.com.', 'dns', 'api.yourbank.com'],
    ['*.yourbank.com', 'dns', '*.yourbank.com'],
    ['localhost', 'dns', 'localhost'],
    ['10.1.2.3', 'ip', '10.1.2.3'],
    ['fe80::1', 'ip', 'fe80::1'],
    ['spiffe://lux/ns/prod', 'uri', 'spiffe://lux/ns/prod'],
    ['https://example.com/path', 'uri', 'https://example.com/path'],
    ['ops@Example.com', 'email', 'ops@example.com'],
  ])('%s is a %s name', (raw, kind, value) => {
    expect(parseSan(raw, 'san')).toEqual({ kind, value });
  });

  it.each([
    ['a wildcard over a top-level label', '*.com'],
    ['a bare wildcard', '*'],
    ['a partial-label wildcard', 'api*.example.com'],
    ['a wildcard not leftmost', 'a.*.example.com'],
    ['a label starting with a dash', '-api.example.com'],
    ['a 64-character label', `${'a'.repeat(64)}.example.com`],
    ['an empty label', 'api..example.com'],
    ['a space', 'api example.com'],
    ['an underscore', 'api_1.example.com'],
    ['a URI with whitespace', 'spiffe://lux/a b'],
    ['an email with two @', 'a@b@c.com'],
    ['an empty string', ''],
  ])('refuses %s', (_name, raw) => {
    expect(() => parseSan(raw, 'sans[0]')).toThrow(expect.objectContaining({ code: 'invalid_san', statusCode: 400 }));
  });

  it('de-duplicates case-insensitively and caps the count', () => {
    expect(parseSans(['A.example.com', 'a.example.com', '10.0.0.1']).map((s) => s.value)).toEqual(['a.example.com', '10.0.0.1']);
    expect(() => parseSans(Array.from({ length: 101 }, (_, i) => `h${i}.example.com`))).toThrow(/at most 100/);
  });

  it('names the failing index in the message', () => {
    expect(() => parseSans(['ok.example.com', 'bad host'])).toThrow('"sans[1]"');
  });

  it('refuses control characters and over-long common names', () => {
    expect(() => requireCommonName('evil\u0000.example.com')).toThrow(/control characters/);
    expect(() => requireCommonName('x'.repeat(65))).toThrow(/1\.\.64/);
  });
});

describe('durations', () => {
  it.each([
    ['365d', 365 * 86_400],
    ['12h', 43_200],
    ['30m', 1_800],
    ['90s', 90],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text, 'validity')).toBe(seconds);
  });

  it.each(['0d', '1y', '-5d', '1.5h', '365 d', '', '99999999999d'])('refuses %j', (text) => {
    expect(() => parseDuration(text, 'validity')).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
