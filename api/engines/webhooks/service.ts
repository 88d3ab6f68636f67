/**
 * Outgoing webhooks (secret rotation now; key rotation later). Each delivery is a stored record whose
 * status callers can read. The body is signed with HMAC-SHA256 over `<timestamp>.<body>` using the
 * gateway's signing secret, so receivers can reject forgeries and replays of old bodies. Non-2xx answers
 * and network errors are retried with exponential backoff; pending deliveries resume after a restart.
 *
 * Targets must be public addresses unless the gateway allows private ones (see `target-policy.ts`): an
 * address literal or `localhost` is refused when the URL is registered, and every send checks what the name
 * resolves to then. A refused send fails the delivery at once, without retries.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EncryptedStore } from '../../server/barrier.js';
import { invalid, notFound } from '../../server/errors.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../../shared/webhook-signature.js';
import { postWebhook, WebhookTargetRefusedError } from './deliver.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookOptions } from './options.js';
import { literalHostRefusal } from './target-policy.js';

const SIGNING_SECRET_PATH = 'sys/webhook-signing-secret';
const DELIVERY_PREFIX = 'webhook/delivery/';
const PENDING_PREFIX = 'webhook/pending/';

export interface DeliveryAttempt {
  at: string;
  statusCode?: number;
  error?: string;
}

export interface Delivery {
  id: string;
  url: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAt: string;
  body: string;
}

function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('invalid_webhook_url', `"notifyWebhook" expected an absolute http(s) URL, got "${url.slice(0, 200)}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid('invalid_webhook_url', `"notifyWebhook" expected an http(s) URL, got scheme "${parsed.protocol}"`);
  }
  return parsed;
}

export class WebhookService {
  #secret = '';
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inflight = new Set<AbortController>();
  #closed = false;

  constructor(
    private readonly store: EncryptedStore,
    private readonly options: WebhookOptions = DEFAULT_WEBHOOK_OPTIONS,
  ) {}

  async init(): Promise<void> {
    const stored = await this.store.getBytes(SIGNING_SECRET_PATH);
    if (stored) this.#secret = Buffer.from(stored).toString('utf8');
    else {
      this.#secret = `whsec_${randomBytes(32).toString('base64url')}`;
      await this.store.batch([this.store.putOp(SIGNING_SECRET_PATH, Buffer.from(this.#secret, 'utf8'))]);
    }
    for await (const key of this.store.keys(PENDING_PREFIX)) {
      const delivery = await this.store.getJson<Delivery>(DELIVERY_PREFIX + key.slice(PENDING_PREFIX.length));
      if (delivery?.status === 'pending') this.#schedule(delivery, 0);
    }
  }

  signingSecret(): string {
    return this.#secret;
  }

  /**
   * Checks a webhook URL when it is registered, before anything is written: an absolute http(s) URL whose
   * host is not a private address literal or `localhost` (unless private targets are allowed).
   */
  checkTarget(url: string): URL {
    const parsed = parseWebhookUrl(url);
    const refusal = this.options.allowPrivateTargets ? undefined : literalHostRefusal(parsed);
    if (refusal !== undefined) {
      throw invalid('webhook_target_refused', `"notifyWebhook" target refused: ${refusal}; webhooks go only to public addresses unless the gateway sets webhooks.allowPrivateTargets`);
    }
    return parsed;
  }

  /**
   * Records a delivery and starts sending it; returns at once with the pending record. The URL was checked
   * when it was registered; the target policy is applied again when sending (the gateway's setting may
   * have changed since, and names may resolve differently), which fails the delivery rather than this call.
   */
  async enqueue(url: string, event: string, data: Record<string, unknown>): Promise<Delivery> {
    parseWebhookUrl(url);
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const delivery: Delivery = { id, url, event, status: 'pending', attempts: [], createdAt, body: JSON.stringify({ id, event, createdAt, data }) };
    await this.store.batch([this.store.putJsonOp(DELIVERY_PREFIX + id, delivery), this.store.putJsonOp(PENDING_PREFIX + id, {})]);
    this.#schedule(delivery, 0);
    return delivery;
  }

  async get(id: string): Promise<Delivery> {
    const delivery = await this.store.getJson<Delivery>(DELIVERY_PREFIX + id);
    if (!delivery) throw notFound('webhook_delivery_not_found', `webhook delivery "${id}" does not exist`);
    return delivery;
  }

  /** Stops sending; unfinished deliveries stay pending in the store and resume on the next start. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const c of this.#inflight) c.abort();
  }

  #schedule(delivery: Delivery, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(delivery);
    }, delayMs);
    this.#timers.add(timer);
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const attempt: DeliveryAttempt = { at: new Date().toISOString() };
    const controller = new AbortController();
    this.#inflight.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
    let refused = false;
    try {
      const timestamp = String(Math.floor(Date.now() / 1000));
      attempt.statusCode = await postWebhook(new URL(delivery.url), {
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(this.#secret, timestamp, delivery.body),
          [DELIVERY_HEADER]: delivery.id,
        },
        body: delivery.body,
        signal: controller.signal,
        allowPrivateTargets: this.options.allowPrivateTargets,
      });
    } catch (err) {
      attempt.error = err instanceof Error ? err.message : String(err);
      refused = err instanceof WebhookTargetRefusedError;
    } finally {
      clearTimeout(timeout);
      this.#inflight.delete(controller);
    }
    if (this.#closed) return;
    const ok = attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300;
    const attempts = [...delivery.attempts, attempt];
    const status = ok ? 'delivered' : refused || attempts.length >= this.options.maxAttempts ? 'failed' : 'pending';
    const next: Delivery = { ...delivery, attempts, status };
    try {
      const ops = [this.store.putJsonOp(DELIVERY_PREFIX + next.id, next)];
      await this.store.batch(status === 'pending' ? ops : [...ops, { type: 'del', key: PENDING_PREFIX + next.id }]);
    } catch {
      // The store is failing; the delivery stays pending under its index and resumes on restart.
      return;
    }
    if (status === 'pending') this.#schedule(next, this.options.baseDelayMs * 2 ** (attempts.length - 1));
  }
}
