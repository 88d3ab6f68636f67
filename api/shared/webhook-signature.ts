/**
 * The webhook signature scheme, shared by the gateway (which signs) and the SDK (which receivers use to
 * verify). The signed string is `<timestamp>.<raw body>`: binding the timestamp lets receivers refuse
 * replays of an old delivery, and signing the raw bytes avoids any JSON re-encoding ambiguity.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-kms-webhook-signature';
export const TIMESTAMP_HEADER = 'x-kms-webhook-timestamp';
export const DELIVERY_HEADER = 'x-kms-webhook-id';

const SCHEME = 'v1=';

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return SCHEME + createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export interface VerifyWebhookInput {
  /** The signing secret (`kms.webhooks.signingSecret()`). */
  secret: string;
  /** The raw request body, exactly as received. */
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  /** Oldest accepted delivery, in seconds; default 300. */
  toleranceSeconds?: number;
  nowMs?: number;
}

/** True only for a correct signature over this body with a timestamp inside the tolerance window. */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  const { secret, body, timestamp, signature, toleranceSeconds = 300, nowMs = Date.now() } = input;
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || typeof signature !== 'string') return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const presented = Buffer.from(signature);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
