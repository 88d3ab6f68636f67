/**
 * HTTP routes of the secrets engine, under `/environments/:environment/secrets`. Each route declares its
 * action and resource (`secret:<name>`, or `secret:*` for the collection) for the policy check and the audit.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessSpec } from '../../server/access.js';
import { NoContent, responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { SecretsService } from './service.js';

const envOf = (req: FastifyRequest) => (req.params as S.EnvParamsT).environment;
const access = (action: string, item: boolean): AccessSpec => ({
  action,
  resource: (req) => (item ? `secret:${(req.params as S.SecretParamsT).name}` : 'secret:*'),
  environment: envOf,
});
const tags = ['secrets'];

export async function secretsRoutes(app: FastifyInstance, opts: { secrets: SecretsService }): Promise<void> {
  const { secrets } = opts;
  const base = '/environments/:environment/secrets';

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.CreateBody> }>(base, {
    schema: { tags, summary: 'Create a secret (version 1)', params: S.EnvParams, body: S.CreateBody, response: responses({ 201: S.SecretInfo }) },
    config: { access: { ...access('create', false), resource: (req) => `secret:${(req.body as { name?: unknown } | undefined)?.name}` } },
  }, async (req, reply) => {
    const created = await secrets.create({ environment: req.params.environment, ...req.body });
    return reply.code(201).send(created);
  });

  app.get<{ Params: S.EnvParamsT; Querystring: Static<typeof S.ListQuery> }>(base, {
    schema: { tags, summary: 'List secrets, filtered by tags', params: S.EnvParams, querystring: S.ListQuery, response: responses({ 200: S.SecretPage }) },
    config: { access: access('list', false) },
  }, async (req) => secrets.list(req.params.environment, req.query));

  app.get<{ Params: S.SecretParamsT; Querystring: Static<typeof S.GetQuery> }>(`${base}/:name`, {
    schema: { tags, summary: 'Read a secret value (latest or a given version)', params: S.SecretParams, querystring: S.GetQuery, response: responses({ 200: S.Secret }) },
    config: { access: access('access', true) },
  }, async (req) => secrets.get(req.params.environment, req.params.name, req.query.version));

  app.put<{ Params: S.SecretParamsT; Body: Static<typeof S.WriteBody> }>(`${base}/:name`, {
    schema: { tags, summary: 'Write a new version (check-and-set with ifVersion)', params: S.SecretParams, body: S.WriteBody, response: responses({ 200: S.SecretInfo }) },
    config: { access: access('update', true) },
  }, async (req) => secrets.write({ ...req.params, ...req.body }));

  app.post<{ Params: S.SecretParamsT; Body: Static<typeof S.RotateBody> }>(`${base}/:name/rotate`, {
    schema: { tags, summary: 'Rotate: write a new version and notify a webhook', params: S.SecretParams, body: S.RotateBody, response: responses({ 200: S.RotateResult }) },
    config: { access: access('rotate', true) },
  }, async (req) => secrets.rotate({ ...req.params, ...req.body }));

  app.get<{ Params: S.SecretParamsT }>(`${base}/:name/versions`, {
    schema: { tags, summary: 'List the versions of a secret', params: S.SecretParams, response: responses({ 200: S.VersionList }) },
    config: { access: access('read', true) },
  }, async (req) => ({ versions: await secrets.versions(req.params.environment, req.params.name) }));

  app.delete<{ Params: S.VersionParamsT }>(`${base}/:name/versions/:version`, {
    schema: { tags, summary: 'Destroy one version for good', params: S.VersionParams, response: responses({ 200: S.VersionInfo }) },
    config: { access: access('destroy', true) },
  }, async (req) => secrets.destroyVersion(req.params.environment, req.params.name, req.params.version));

  app.delete<{ Params: S.SecretParamsT }>(`${base}/:name`, {
    schema: { tags, summary: 'Delete a secret and all its versions', params: S.SecretParams, response: responses({ 204: NoContent }) },
    config: { access: access('delete', true) },
  }, async (req, reply) => {
    await secrets.delete(req.params.environment, req.params.name);
    return reply.code(204).send();
  });
}
