/** HTTP routes of the policies engine: manage policies and explain decisions (dry run). */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiKeyService } from '../../server/auth/api-keys.js';
import { NoContent, responses } from '../../server/schemas.js';
import { dryRun } from './dry-run.js';
import * as S from './schemas.js';
import type { PolicyService } from './service.js';

const tags = ['policies'];
const named = (action: string) => ({ action, resource: (req: { params: unknown }) => `policy:${(req.params as { name: string }).name}` });

export async function policyRoutes(app: FastifyInstance, opts: { policies: PolicyService; apiKeys: ApiKeyService }): Promise<void> {
  const { policies } = opts;

  app.post<{ Body: Static<typeof S.CreateBody> }>('/policies', {
    schema: { tags, summary: 'Create a policy', body: S.CreateBody, response: responses({ 201: S.Policy }) },
    config: { access: { action: 'create', resource: (req) => `policy:${(req.body as { name?: unknown } | undefined)?.name}` } },
  }, async (req, reply) => reply.code(201).send(await policies.create(req.body)));

  app.get('/policies', {
    schema: { tags, summary: 'List policies', response: responses({ 200: S.PolicyList }) },
    config: { access: { action: 'list', resource: () => 'policy:*' } },
  }, async () => ({ policies: policies.list() }));

  // Registered before `/policies/:name` only for readability: find-my-way prefers static segments anyway.
  app.post<{ Body: S.EvaluateBodyT }>('/policies/evaluate', {
    schema: { tags, summary: 'Dry run: would this request be allowed, and why', body: S.EvaluateBody, response: responses({ 200: S.Decision }) },
    config: { access: { action: 'evaluate', resource: () => 'policy:*' } },
  }, async (req) => dryRun(opts, req.principal!, req.ip, req.body));

  app.get<{ Params: { name: string } }>('/policies/:name', {
    schema: { tags, summary: 'Read a policy', params: S.NameParams, response: responses({ 200: S.Policy }) },
    config: { access: named('read') },
  }, async (req) => policies.get(req.params.name));

  app.delete<{ Params: { name: string } }>('/policies/:name', {
    schema: { tags, summary: 'Delete a policy', params: S.NameParams, response: responses({ 204: NoContent }) },
    config: { access: named('delete') },
  }, async (req, reply) => {
    await policies.delete(req.params.name);
    return reply.code(204).send();
  });
}
