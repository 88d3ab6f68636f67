/**
 * HTTP routes of the certificates engine, under `/environments/:environment/`: `certificates` for issued
 * certificates and `pki` for the CAs and their CRLs. Resources are `certificate:<serial>` (issuance:
 * `certificate:<commonName>`, or `certificate:csr`) and `ca:<id>`, so policies can scope by name.
 *
 * One route is public: `/pki/crl/<environment>/<caId>.crl`, the CRL as relying parties fetch it without
 * an API key. It sits outside `/environments/`, where every route needs a key, so a proxy can expose
 * exactly `/v1/pki/crl/` to the world and nothing else.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessSpec } from '../../server/access.js';
import type { EnvironmentService } from '../../server/auth/environments.js';
import { notFound } from '../../server/errors.js';
import { responses } from '../../server/schemas.js';
import { PUBLIC_CRL_ROUTE } from './crl.js';
import { preferredCrlFormat } from './crl-format.js';
import * as S from './schemas.js';
import type { CertificateService } from './service.js';
import { pemDecode } from './x509.js';

const envOf = (req: FastifyRequest) => (req.params as S.EnvParamsT).environment;
const certAccess = (action: string): AccessSpec => ({ action, resource: (req) => `certificate:${(req.params as S.CertParamsT).id}`, environment: envOf });
const caAccess = (action: string, resource: (req: FastifyRequest) => string): AccessSpec => ({ action, resource, environment: envOf });
const tags = ['certificates'];

export async function certificateRoutes(app: FastifyInstance, opts: { certificates: CertificateService; environments: EnvironmentService }): Promise<void> {
  const svc = opts.certificates;
  const base = '/environments/:environment/certificates';
  const pki = '/environments/:environment/pki';

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.CreateBody> }>(base, {
    schema: { tags, summary: 'Generate a key pair and issue a certificate (the private key is returned once)', params: S.EnvParams, body: S.CreateBody, response: responses({ 201: S.CreatedCertificate }) },
    config: { access: { action: 'create', resource: (req) => `certificate:${(req.body as { commonName?: unknown } | undefined)?.commonName}`, environment: envOf } },
  }, async (req, reply) => reply.code(201).send(await svc.create({ environment: req.params.environment, ...req.body })));

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.SignCsrBody> }>(`${base}/sign`, {
    schema: { tags, summary: 'Issue a certificate for a PKCS#10 request', params: S.EnvParams, body: S.SignCsrBody, response: responses({ 201: S.Certificate }) },
    config: { access: { action: 'create', resource: () => 'certificate:csr', environment: envOf } },
  }, async (req, reply) => reply.code(201).send(await svc.signCsr({ environment: req.params.environment, ...req.body })));

  app.get<{ Params: S.EnvParamsT; Querystring: Static<typeof S.ListQuery> }>(base, {
    schema: { tags, summary: 'List issued certificates', params: S.EnvParams, querystring: S.ListQuery, response: responses({ 200: S.CertificatePage }) },
    config: { access: { action: 'list', resource: () => 'certificate:*', environment: envOf } },
  }, async (req) => svc.list(req.params.environment, req.query));

  app.get<{ Params: S.CertParamsT }>(`${base}/:id`, {
    schema: { tags, summary: 'One certificate with its chain and status', params: S.CertParams, response: responses({ 200: S.Certificate }) },
    config: { access: certAccess('read') },
  }, async (req) => svc.get(req.params.environment, req.params.id));

  app.get<{ Params: S.CertParamsT; Querystring: Static<typeof S.ExportQuery> }>(`${base}/:id/export`, {
    schema: { tags, summary: 'Export the certificate and chain as PEM or base64 DER', params: S.CertParams, querystring: S.ExportQuery, response: responses({ 200: S.Exported }) },
    config: { access: certAccess('export') },
  }, async (req) => svc.export(req.params.environment, req.params.id, req.query.format ?? 'pem'));

  app.post<{ Params: S.CertParamsT; Body: Static<typeof S.RevokeBody> }>(`${base}/:id/revoke`, {
    schema: { tags, summary: 'Revoke; the issuer CRL is re-signed at once', params: S.CertParams, body: S.RevokeBody, response: responses({ 200: S.RevokedCertificate }) },
    config: { access: certAccess('revoke') },
  }, async (req) => svc.revoke(req.params.environment, req.params.id, req.body?.reason));

  app.post<{ Params: S.CertParamsT }>(`${base}/:id/release-hold`, {
    schema: { tags, summary: 'Release a certificateHold: the serial leaves the CRL, which is re-signed at once', params: S.CertParams, response: responses({ 200: S.RevokedCertificate }) },
    config: { access: certAccess('release-hold') },
  }, async (req) => svc.releaseHold(req.params.environment, req.params.id));

  app.post<{ Params: S.CertParamsT }>(`${base}/:id/renew`, {
    schema: { tags, summary: 'Renew now: same subject, SANs and public key', params: S.CertParams, response: responses({ 200: S.Renewal }) },
    config: { access: certAccess('renew') },
  }, async (req) => svc.renew(req.params.environment, req.params.id));

  app.put<{ Params: S.CertParamsT; Body: Static<typeof S.AutoRenewalBody> }>(`${base}/:id/auto-renewal`, {
    schema: { tags, summary: 'Renew automatically renewBefore the expiry', params: S.CertParams, body: S.AutoRenewalBody, response: responses({ 200: S.AutoRenewal }) },
    config: { access: certAccess('configure') },
  }, async (req) => svc.enableAutoRenewal(req.params.environment, { certId: req.params.id, ...req.body }));

  app.delete<{ Params: S.CertParamsT }>(`${base}/:id/auto-renewal`, {
    schema: { tags, summary: 'Stop renewing automatically', params: S.CertParams, response: responses({ 200: S.Certificate }) },
    config: { access: certAccess('configure') },
  }, async (req) => svc.disableAutoRenewal(req.params.environment, req.params.id));

  app.get<{ Params: S.EnvParamsT }>(`${pki}/ca`, {
    schema: { tags, summary: "The environment's root and intermediate CA (created on first use)", params: S.EnvParams, response: responses({ 200: S.AuthorityPair }) },
    config: { access: caAccess('read', () => 'ca:*') },
  }, async (req) => svc.authority(req.params.environment));

  app.get<{ Params: S.EnvParamsT }>(`${pki}/authorities`, {
    schema: { tags, summary: 'Every CA of the environment, generated and imported', params: S.EnvParams, response: responses({ 200: S.AuthorityList }) },
    config: { access: caAccess('list', () => 'ca:*') },
  }, async (req) => ({ authorities: await svc.authorities.list(req.params.environment) }));

  app.post<{ Params: S.EnvParamsT; Body: Static<typeof S.ImportCaBody> }>(`${pki}/authorities`, {
    schema: { tags, summary: 'Import an external CA (its key is kept sealed and never returned)', params: S.EnvParams, body: S.ImportCaBody, response: responses({ 201: S.Authority }) },
    config: { access: caAccess('import', (req) => `ca:${(req.body as { name?: unknown } | undefined)?.name}`) },
  }, async (req, reply) => reply.code(201).send(await svc.importAuthority(req.params.environment, req.body)));

  app.get<{ Params: S.CaParamsT }>(`${pki}/authorities/:caId/crl`, {
    schema: { tags, summary: "The CA's current CRL", params: S.CaParams, response: responses({ 200: S.Crl }) },
    config: { access: caAccess('read', (req) => `ca:${(req.params as S.CaParamsT).caId}`) },
  }, async (req) => svc.crl(req.params.environment, req.params.caId));

  // Public: no API key, no policy. Still rate-limited per client IP and audited (actor null) by the
  // pipeline. It answers only with a CRL, or one 404 for an unknown environment and an unknown CA alike,
  // and never creates CAs, so it cannot be used to probe or to make the gateway generate keys.
  app.get<{ Params: S.CaParamsT; Querystring: Static<typeof S.PublicCrlQuery> }>(PUBLIC_CRL_ROUTE, {
    schema: { tags, summary: 'The CA\'s current CRL for relying parties (no API key): DER, or PEM on request', security: [], params: S.CaParams, querystring: S.PublicCrlQuery, response: responses({ 200: S.PublicCrlAnswer }) },
    config: { public: true, access: caAccess('read', (req) => `ca:${(req.params as S.CaParamsT).caId}`) },
  }, async (req, reply) => {
    const { environment, caId } = req.params;
    const state = opts.environments.exists(environment) ? await svc.publishedCrl(environment, caId) : undefined;
    if (!state) throw notFound('crl_not_found', `no CRL is published for "${environment}/${caId}"`);
    const format = req.query.format ?? preferredCrlFormat(req.headers.accept);
    // Revocations re-sign the CRL at once, so caches must come back for it rather than serve an old one.
    reply.header('cache-control', 'no-cache').header('last-modified', new Date(state.thisUpdate).toUTCString()).header('vary', 'accept');
    if (format === 'pem') return reply.type('application/x-pem-file').send(Buffer.from(state.crl, 'ascii'));
    return reply.type('application/pkix-crl').send(Buffer.from(pemDecode(state.crl, ['X509 CRL'])!));
  });
}
