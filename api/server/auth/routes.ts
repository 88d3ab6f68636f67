/** HTTP routes for API keys and environments (the gateway's principals and namespaces). */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ROOT_POLICY, type PolicyService } from '../../engines/policies/service.js';
import { forbidden, InvalidInputError } from '../errors.js';
import { responses } from '../schemas.js';
import { ALL_ENVIRONMENTS, type ApiKeyRecord, type ApiKeyService } from './api-keys.js';
import type { EnvironmentService } from './environments.js';
import * as S from './schemas.js';

const keyResource = (req: { params: unknown }) => `apikey:${(req.params as { id: string }).id}`;

export async function authRoutes(
  app: FastifyInstance,
  opts: { apiKeys: ApiKeyService; environments: EnvironmentService; policies: PolicyService },
): Promise<void> {
  const { apiKeys, environments, policies } = opts;

  app.post<{ Body: S.CreateKeyBodyT }>('/api-keys', {
    schema: { tags: ['api-keys'], summary: 'Create an API key (the token is shown once)', body: S.CreateKeyBody, response: responses({ 201: S.CreatedKey }) },
    config: { access: { action: 'create', resource: () => 'apikey:*' } },
  }, async (req, reply) => {
    const body = req.body;
    for (const env of body.environments) if (env !== ALL_ENVIRONMENTS) environments.require(env);
    for (const name of body.policies) policies.get(name);
    assertCanDelegate(req.principal!, body);
    return reply.code(201).send(await apiKeys.create(body));
  });

  app.get('/api-keys', {
    schema: { tags: ['api-keys'], summary: 'List API keys (never their tokens)', response: responses({ 200: S.KeyList }) },
    config: { access: { action: 'list', resource: () => 'apikey:*' } },
  }, async () => ({ keys: await apiKeys.list() }));

  app.get<{ Params: { id: string } }>('/api-keys/:id', {
    schema: { tags: ['api-keys'], summary: 'Read an API key', params: S.KeyParams, response: responses({ 200: S.ApiKeyInfo }) },
    config: { access: { action: 'read', resource: keyResource } },
  }, async (req) => apiKeys.get(req.params.id));

  app.delete<{ Params: { id: string } }>('/api-keys/:id', {
    schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: S.KeyParams, response: responses({ 200: S.ApiKeyInfo }) },
    config: { access: { action: 'revoke', resource: keyResource } },
  }, async (req) => apiKeys.revoke(req.params.id));

  app.post<{ Params: { id: string } }>('/api-keys/:id/mfa', {
    schema: { tags: ['api-keys'], summary: 'Enrol TOTP for a key (the secret is shown once)', params: S.KeyParams, response: responses({ 200: S.MfaEnrollment }) },
    config: { access: { action: 'enroll-mfa', resource: keyResource } },
  }, async (req) => apiKeys.enrollMfa(req.params.id, req.principal!.id));

  app.get('/environments', {
    schema: { tags: ['environments'], summary: 'List environments', response: responses({ 200: S.EnvironmentList }) },
    config: { access: { action: 'list', resource: () => 'environment:*' } },
  }, async () => ({ environments: environments.list() }));

  app.post<{ Body: Static<typeof S.CreateEnvironmentBody> }>('/environments', {
    schema: { tags: ['environments'], summary: 'Create a custom environment', body: S.CreateEnvironmentBody, response: responses({ 201: S.Environment }) },
    config: { access: { action: 'create', resource: (req) => `environment:${(req.body as { name?: unknown } | undefined)?.name}` } },
  }, async (req, reply) => reply.code(201).send(await environments.create(req.body.name, req.body.description)));
}

/**
 * A key may hand out only what it holds: its own policies and environments. Without this, anyone allowed
 * to create keys could mint one bound to `root` and so escalate to full access. Holders of `root` may
 * bind anything.
 */
function assertCanDelegate(caller: ApiKeyRecord, wanted: { environments: string[]; policies: string[] }): void {
  if (wanted.environments.length === 0 || wanted.policies.length === 0) throw new InvalidInputError('a key needs at least one environment and one policy');
  if (caller.policies.includes(ROOT_POLICY)) return;
  const missingPolicy = wanted.policies.find((p) => !caller.policies.includes(p));
  if (missingPolicy) throw forbidden('delegation_denied', `cannot bind policy "${missingPolicy}": the calling key does not hold it`);
  const holdsAll = caller.environments.includes(ALL_ENVIRONMENTS);
  const missingEnv = wanted.environments.find((e) => !holdsAll && !caller.environments.includes(e));
  if (missingEnv) throw forbidden('delegation_denied', `cannot bind environment "${missingEnv}": the calling key is not bound to it`);
}
