/**
 * TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits — the parameters every
 * authenticator app uses by default. One step of clock drift either way is accepted.
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

export function verifyTotp(secretBase32: string, code: string, timeMs: number = Date.now()): boolean {
  if (!/^[0-9]{6}$/.test(code)) return false;
  const secret = base32nopad.decode(secretBase32);
  const counter = Math.floor(timeMs / 1000 / STEP_SECONDS);
  let ok = false;
  // Check every window without stopping early, so timing does not tell which step matched.
  for (let d = -DRIFT_STEPS; d <= DRIFT_STEPS; d++) {
    ok = timingSafeEqual(Buffer.from(hotp(secret, counter + d)), Buffer.from(code)) || ok;
  }
  return ok;
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
