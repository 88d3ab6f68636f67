/** Webhook delivery settings of a gateway, and their validation where the gateway is configured. */

export interface WebhookOptions {
  maxAttempts: number;
  /** Delay before the second attempt; doubles for each one after. */
  baseDelayMs: number;
  timeoutMs: number;
  /**
   * Post to loopback, private, link-local and other non-public addresses too. Off by default, since a
   * tenant could otherwise aim webhooks at internal services; for tests and local testnets whose
   * receivers listen on 127.0.0.1.
   */
  allowPrivateTargets: boolean;
}

export const DEFAULT_WEBHOOK_OPTIONS: Readonly<WebhookOptions> = { maxAttempts: 6, baseDelayMs: 1000, timeoutMs: 5000, allowPrivateTargets: false };

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function integer(raw: Record<string, unknown>, key: keyof WebhookOptions, min: number, max: number): number {
  const value = raw[key] ?? DEFAULT_WEBHOOK_OPTIONS[key];
  if (typeof value !== 'number') throw new TypeError(`"webhooks.${key}" expected integer ${min}..${max}, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`"webhooks.${key}" expected integer ${min}..${max}, got ${show(value)}`);
  return value;
}

/** The gateway's `webhooks` option, with defaults filled in; unknown keys are refused, so a typo cannot silently keep a default. */
export function parseWebhookOptions(value: unknown): WebhookOptions {
  if (value === undefined) return { ...DEFAULT_WEBHOOK_OPTIONS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`"webhooks" expected an object, got ${show(value)}`);
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).find((k) => !Object.hasOwn(DEFAULT_WEBHOOK_OPTIONS, k));
  if (unknown !== undefined) throw new TypeError(`"webhooks" has no option "${unknown}" (expected ${Object.keys(DEFAULT_WEBHOOK_OPTIONS).join(', ')})`);
  const allowPrivateTargets = raw.allowPrivateTargets ?? DEFAULT_WEBHOOK_OPTIONS.allowPrivateTargets;
  if (typeof allowPrivateTargets !== 'boolean') throw new TypeError(`"webhooks.allowPrivateTargets" expected boolean, got ${show(allowPrivateTargets)}`);
  return {
    maxAttempts: integer(raw, 'maxAttempts', 1, 100),
    baseDelayMs: integer(raw, 'baseDelayMs', 0, 86_400_000),
    timeoutMs: integer(raw, 'timeoutMs', 1, 600_000),
    allowPrivateTargets,
  };
}
