/** `kms.webhooks`: delivery status, and the secret receivers check signatures with. */
import type { Transport } from './transport.js';
import type { WebhookDelivery } from './types.js';
import { seg } from './validate.js';

export class WebhooksClient {
  constructor(private readonly http: Transport) {}

  getDelivery(id: string): Promise<WebhookDelivery> {
    return this.http.call({ method: 'GET', path: `/v1/webhooks/deliveries/${seg(id, 'id')}`, idempotent: true });
  }

  async signingSecret(): Promise<string> {
    return (await this.http.call<{ secret: string }>({ method: 'GET', path: '/v1/webhooks/signing-secret', idempotent: true })).secret;
  }
}
