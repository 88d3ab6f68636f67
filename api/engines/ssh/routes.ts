/**
 * HTTP routes of the SSH engine, under `/environments/:environment/ssh`. Resources are `ssh-key:<id>`,
 * `ssh-cert:<serial>` (signing: `ssh-cert:<certType>`) and `ssh-ca`, so policies can, for example,
 * allow signing user certificates but not host ones.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { SshService } from './service.js';

const envOf = (req: FastifyRequest) => (req.params as S.EnvParamsT).environment;
const tags = ['ssh'];

export async function sshRoutes(app: FastifyInstance, opts: { ssh: SshService }): Promise<void> {
  const { ssh } = opts;
  const base = '/environments/:environment/ssh';

  app.get<{ Params: S.EnvParamsT }>(`${base}/ca`, {
    schema: { tags, summary: "The environment's SSH CA public key (created on first use)", params: S.EnvParams, response: responses({ 200: S.Ca }) },
    config: { access: { action: 'read', resource: () => 'ssh-ca', environment: envOf } },
  }, async (req) => ssh.ca(req.params.environment));

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.CreateKeyBody> }>(`${base}/keys`, {
    schema: { tags, summary: 'Generate an SSH key pair (the private key is returned once)', params: S.EnvParams, body: S.CreateKeyBody, response: responses({ 201: S.CreatedKey }) },
    config: { access: { action: 'create', resource: () => 'ssh-key:*', environment: envOf } },
  }, async (req, reply) => reply.code(201).send(await ssh.createKey(req.params.environment, req.body)));

  app.get<{ Params: S.EnvParamsT }>(`${base}/keys`, {
    schema: { tags, summary: 'List generated SSH keys (public halves)', params: S.EnvParams, response: responses({ 200: S.KeyList }) },
    config: { access: { action: 'list', resource: () => 'ssh-key:*', environment: envOf } },
  }, async (req) => ({ keys: await ssh.listKeys(req.params.environment) }));

  app.get<{ Params: S.KeyParamsT }>(`${base}/keys/:id`, {
    schema: { tags, summary: 'One SSH key (public half)', params: S.KeyParams, response: responses({ 200: S.KeyInfo }) },
    config: { access: { action: 'read', resource: (req) => `ssh-key:${(req.params as S.KeyParamsT).id}`, environment: envOf } },
  }, async (req) => ssh.getKey(req.params.environment, req.params.id));

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.SignBody> }>(`${base}/certificates`, {
    schema: { tags, summary: 'Sign a user or host certificate', params: S.EnvParams, body: S.SignBody, response: responses({ 201: S.Certificate }) },
    config: { access: { action: 'sign', resource: (req) => `ssh-cert:${(req.body as { certType?: unknown } | undefined)?.certType}`, environment: envOf } },
  }, async (req, reply) => reply.code(201).send(await ssh.sign({ environment: req.params.environment, ...req.body })));

  app.get<{ Params: S.EnvParamsT }>(`${base}/certificates`, {
    schema: { tags, summary: 'List issued SSH certificates', params: S.EnvParams, response: responses({ 200: S.CertificateList }) },
    config: { access: { action: 'list', resource: () => 'ssh-cert:*', environment: envOf } },
  }, async (req) => ({ certificates: await ssh.listCertificates(req.params.environment) }));

  app.get<{ Params: S.CertParamsT }>(`${base}/certificates/:serial`, {
    schema: { tags, summary: 'One SSH certificate', params: S.CertParams, response: responses({ 200: S.Certificate }) },
    config: { access: { action: 'read', resource: (req) => `ssh-cert:${(req.params as S.CertParamsT).serial}`, environment: envOf } },
  }, async (req) => ssh.getCertificate(req.params.environment, req.params.serial));

  app.post<{ Params: S.CertParamsT }>(`${base}/certificates/:serial/revoke`, {
    schema: { tags, summary: 'Revoke: the serial joins the KRL', params: S.CertParams, response: responses({ 200: S.Certificate }) },
    config: { access: { action: 'revoke', resource: (req) => `ssh-cert:${(req.params as S.CertParamsT).serial}`, environment: envOf } },
  }, async (req) => ssh.revoke(req.params.environment, req.params.serial));

  app.get<{ Params: S.EnvParamsT }>(`${base}/krl`, {
    schema: { tags, summary: 'The key revocation list, for sshd RevokedKeys', params: S.EnvParams, response: responses({ 200: S.Krl }) },
    config: { access: { action: 'read', resource: () => 'ssh-krl', environment: envOf } },
  }, async (req) => {
    const { krl, ...rest } = await ssh.krl(req.params.environment);
    return { ...rest, krl: Buffer.from(krl).toString('base64') };
  });
}
