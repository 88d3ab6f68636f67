/**
 * TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits — the parameters every
 * authenticator app uses by default. One step of clock drift either way is accepted. Each code is good
 * once: the key's record remembers the last step spent (see `ApiKeyService.spendTotp`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32nopad } from '@scure/base';

const STEP_SECONDS = 30;
const DIGITS = 6;
const DRIFT_STEPS = 1;

/** A fresh 160-bit TOTP secret, base32 without padding (what authenticator apps expect). */
export function generateTotpSecret(): string {
  return base32nopad.encode(randomBytes(20));
}

export function totpCode(secretBase32: string, timeMs: number = Date.now()): string {
  return hotp(base32nopad.decode(secretBase32), Math.floor(timeMs / 1000 / STEP_SECONDS));
}

/**
 * The time step a presented code belongs to (within one step of drift), or undefined for a wrong or
 * malformed code. Returning the step rather than a yes/no lets the caller refuse a step already used
 * (RFC 6238 section 5.2: a code is accepted once). If two windows give the same code, the later wins.
 */
export function totpStep(secretBase32: string, code: string, timeMs: number = Date.now()): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const secret = base32nopad.decode(secretBase32);
  const counter = Math.floor(timeMs / 1000 / STEP_SECONDS);
  let matched: number | undefined;
  // Check every window without stopping early, so timing does not tell which step matched.
  for (let d = -DRIFT_STEPS; d <= DRIFT_STEPS; d++) {
    if (timingSafeEqual(Buffer.from(hotp(secret, counter + d)), Buffer.from(code))) matched = counter + d;
  }
  return matched;
}

export function otpauthUrl(secretBase32: string, account: string): string {
  const label = encodeURIComponent(`Lux KMS:${account}`);
  return `otpauth://totp/${label}?secret=${secretBase32}&issuer=Lux%20KMS&algorithm=SHA1&digits=${DIGITS}&period=${STEP_SECONDS}`;
}

function hotp(secret: Uint8Array, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** DIGITS).padStart(DIGITS, '0');
}
