/** TOTP against the RFC 6238 Appendix B vectors (SHA-1), truncated to our 6 digits. */
import { base32nopad } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { generateTotpSecret, otpauthUrl, totpCode, totpStep } from '../../../api/server/auth/totp.js';

const RFC_SECRET = base32nopad.encode(new TextEncoder().encode('12345678901234567890'));
// [unix seconds, 8-digit code from RFC 6238 Appendix B]; a 6-digit code is the same value mod 10^6.
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('totp', () => {
  it('matches every RFC 6238 SHA-1 vector', () => {
    let ran = 0;
    for (const [t, code] of VECTORS) {
      expect(totpCode(RFC_SECRET, t * 1000)).toBe(code.slice(2));
      ran++;
    }
    expect(ran).toBe(6);
  });

  it('accepts one step of drift either way and nothing beyond, naming the step the code belongs to', () => {
    const t = 1_700_000_000_000;
    const step = Math.floor(t / 30_000);
    const code = totpCode(RFC_SECRET, t);
    expect(totpStep(RFC_SECRET, code, t)).toBe(step);
    expect(totpStep(RFC_SECRET, code, t + 30_000)).toBe(step);
    expect(totpStep(RFC_SECRET, code, t - 30_000)).toBe(step);
    expect(totpStep(RFC_SECRET, code, t + 90_000)).toBeUndefined();
  });

  it('rejects malformed codes without evaluating them', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12345', '12345\n']) expect(totpStep(RFC_SECRET, bad)).toBeUndefined();
  });

  it('generates 160-bit secrets and a standard otpauth URL', () => {
    const s = generateTotpSecret();
    expect(base32nopad.decode(s)).toHaveLength(20);
    expect(otpauthUrl(s, 'ops key')).toBe(`otpauth://totp/Lux%20KMS%3Aops%20key?secret=${s}&issuer=Lux%20KMS&algorithm=SHA1&digits=6&period=30`);
  });
});
