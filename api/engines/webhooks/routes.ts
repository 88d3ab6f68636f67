/** HTTP routes for webhook deliveries: their status, and the secret receivers verify signatures with. */
import type { FastifyInstance } from 'fastify';
import { responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { WebhookService } from './service.js';

const tags = ['webhooks'];

export async function webhookRoutes(app: FastifyInstance, opts: { webhooks: WebhookService }): Promise<void> {
  const { webhooks } = opts;

  app.get<{ Params: { id: string } }>('/webhooks/deliveries/:id', {
    schema: { tags, summary: 'Status and attempts of one delivery', params: S.DeliveryParams, response: responses({ 200: S.Delivery }) },
    config: { access: { action: 'read', resource: (req) => `webhook:${(req.params as { id: string }).id}` } },
  }, async (req) => webhooks.get(req.params.id));

  app.get('/webhooks/signing-secret', {
    schema: { tags, summary: 'The secret webhook receivers verify signatures with', response: responses({ 200: S.SigningSecret }) },
    config: { access: { action: 'read', resource: () => 'webhook:signing-secret' } },
  }, async () => ({ secret: webhooks.signingSecret() }));
}
