/**
 * HTTP routes of the AI engine. Management (tokens, providers, usage) goes through the API-key pipeline like
 * every other engine; token routes are checked against the *token's* environment, so a key bound to
 * `staging` can neither mint nor read `production` tokens. The proxy routes authenticate with AI tokens
 * instead and live in `proxy-routes.ts`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isBoundTo } from '../../server/access.js';
import type { AuditLog } from '../audit/service.js';
import { NoContent, responses } from '../../server/schemas.js';
import { aiProxyRoutes } from './proxy-routes.js';
import * as S from './schemas.js';
import type { AiService } from './service.js';

const tags = ['ai'];

export async function aiRoutes(app: FastifyInstance, opts: { ai: AiService; audit: AuditLog }): Promise<void> {
  const { ai } = opts;
  const tokenResource = (req: FastifyRequest) => `ai-token:${(req.params as S.TokenParamsT).id}`;
  const tokenEnvironment = (req: FastifyRequest) => ai.tokens.peek((req.params as S.TokenParamsT).id)?.environment;
  const providerResource = (req: FastifyRequest) => `ai-provider:${(req.params as { name: string }).name}`;

  app.post<{ Body: S.CreateTokenBodyT }>('/ai/tokens', {
    schema: { tags, summary: 'Create an AI access token (the token is shown once)', body: S.CreateTokenBody, response: responses({ 201: S.CreatedToken }) },
    config: { access: { action: 'create', resource: () => 'ai-token:*', environment: (req) => (req.body as { environment?: string } | undefined)?.environment } },
  }, async (req, reply) => {
    const { model, models, ...rest } = req.body;
    const created = await ai.tokens.create({ ...rest, models: [...(model ? [model] : []), ...(models ?? [])], createdBy: req.principal!.id });
    return reply.code(201).send(created);
  });

  app.get<{ Querystring: { environment?: string } }>('/ai/tokens', {
    schema: { tags, summary: 'List AI tokens (of one environment, or of every environment the calling key is bound to)', querystring: S.ListTokensQuery, response: responses({ 200: S.TokenList }) },
    config: { access: { action: 'list', resource: () => 'ai-token:*', environment: (req) => (req.query as { environment?: string }).environment } },
  }, async (req) => {
    const wanted = req.query.environment;
    return { tokens: ai.tokens.list((t) => (wanted === undefined ? isBoundTo(req.principal!, t.environment) : t.environment === wanted)) };
  });

  app.get<{ Params: S.TokenParamsT }>('/ai/tokens/:id', {
    schema: { tags, summary: 'Read an AI token (never the token itself)', params: S.TokenParams, response: responses({ 200: S.AiToken }) },
    config: { access: { action: 'read', resource: tokenResource, environment: tokenEnvironment } },
  }, async (req) => ai.tokens.get(req.params.id));

  app.delete<{ Params: S.TokenParamsT }>('/ai/tokens/:id', {
    schema: { tags, summary: 'Revoke an AI token', params: S.TokenParams, response: responses({ 200: S.AiToken }) },
    config: { access: { action: 'revoke', resource: tokenResource, environment: tokenEnvironment } },
  }, async (req) => ai.tokens.revoke(req.params.id));

  app.get<{ Params: S.TokenParamsT; Querystring: S.UsageQueryT }>('/ai/tokens/:id/usage', {
    schema: { tags, summary: 'Usage of an AI token: totals, budget and rate windows, per-hour or per-day breakdown', params: S.TokenParams, querystring: S.UsageQuery, response: responses({ 200: S.UsageReport }) },
    config: { access: { action: 'usage', resource: tokenResource, environment: tokenEnvironment } },
  }, async (req) => ai.usage(req.params.id, req.query));

  app.put<{ Params: { name: string }; Body: S.ProviderBodyT }>('/ai/providers/:name', {
    schema: { tags, summary: 'Configure an AI provider (create or replace): API style, base URL, credential secret, prices', params: S.ProviderParams, body: S.ProviderBody, response: responses({ 200: S.Provider }) },
    config: { access: { action: 'configure', resource: providerResource } },
  }, async (req) => ai.providers.configure(req.params.name, req.body));

  app.get('/ai/providers', {
    schema: { tags, summary: 'List AI providers', response: responses({ 200: S.ProviderList }) },
    config: { access: { action: 'list', resource: () => 'ai-provider:*' } },
  }, async () => ({ providers: ai.providers.list() }));

  app.get<{ Params: { name: string } }>('/ai/providers/:name', {
    schema: { tags, summary: 'Read an AI provider', params: S.ProviderParams, response: responses({ 200: S.Provider }) },
    config: { access: { action: 'read', resource: providerResource } },
  }, async (req) => ai.providers.get(req.params.name));

  app.delete<{ Params: { name: string } }>('/ai/providers/:name', {
    schema: { tags, summary: 'Delete an AI provider', params: S.ProviderParams, response: responses({ 204: NoContent }) },
    config: { access: { action: 'delete', resource: providerResource } },
  }, async (req, reply) => {
    await ai.providers.delete(req.params.name);
    return reply.code(204).send();
  });

  await app.register(aiProxyRoutes, opts);
}
