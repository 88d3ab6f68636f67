/**
 * Assembles the Fastify app: external plugins (OpenAPI, docs UI, rate limiting), then the gateway's own
 * cross-cutting pieces (errors, request pipeline), then one encapsulated plugin per engine under `/v1`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { aiRoutes } from '../engines/ai/routes.js';
import type { AiService } from '../engines/ai/service.js';
import { auditRoutes } from '../engines/audit/routes.js';
import { certificateRoutes } from '../engines/certificates/routes.js';
import type { CertificateService } from '../engines/certificates/service.js';
import type { AuditLog } from '../engines/audit/service.js';
import { keysRoutes } from '../engines/keys/routes.js';
import { mpcRoutes } from '../engines/mpc/routes.js';
import type { MpcWalletService } from '../engines/mpc/service.js';
import type { KeysService } from '../engines/keys/service.js';
import { policyRoutes } from '../engines/policies/routes.js';
import type { PolicyService } from '../engines/policies/service.js';
import { secretsRoutes } from '../engines/secrets/routes.js';
import { sshRoutes } from '../engines/ssh/routes.js';
import type { SshService } from '../engines/ssh/service.js';
import type { SecretsService } from '../engines/secrets/service.js';
import { webhookRoutes } from '../engines/webhooks/routes.js';
import type { WebhookService } from '../engines/webhooks/service.js';
import { auditEntry, auditResultOf, installAccessControl, presentedToken } from './access.js';
import { keyIdOfToken, type ApiKeyService } from './auth/api-keys.js';
import type { EnvironmentService } from './auth/environments.js';
import { authRoutes } from './auth/routes.js';
import { AuditUnavailableError, GatewayError } from './errors.js';
import { formatValidationErrors, installErrorHandling, toPublicError } from './error-handler.js';
import { ErrorResponse, responses } from './schemas.js';
import { Type } from '@sinclair/typebox';

export interface Services {
  apiKeys: ApiKeyService;
  environments: EnvironmentService;
  policies: PolicyService;
  audit: AuditLog;
  secrets: SecretsService;
  certificates: CertificateService;
  ssh: SshService;
  webhooks: WebhookService;
  keys: KeysService;
  mpc: MpcWalletService;
  ai: AiService;
}

export interface AppOptions {
  /** A pino logger, or false for none. Default: JSON logs at `info` on stdout. */
  logger?: Logger | false;
  /** Requests per API key (per client IP for requests without a known key) per window; false turns it off. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** Fastify's `trustProxy`: only behind a proxy you control, or clients can forge their source IP. */
  trustProxy?: boolean | string | string[];
}

export const DEFAULT_RATE_LIMIT = { max: 300, timeWindowMs: 1000 };
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: { level: 'info' } } : options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    genReqId: () => randomUUID(),
    // Request ids are ours alone: a client-chosen id could collide with another request's audit record.
    requestIdHeader: false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaErrorFormatter: formatValidationErrors,
    // URLs that fail before routing (bad percent-encoding) skip every hook: audit and answer them here, in
    // the same format and with the same audit-or-503 rule as everything else.
    frameworkErrors: (error, req, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const pub = toPublicError(error);
      reply.header('x-request-id', req.id);
      services.audit.append(auditEntry(req, auditResultOf(pub.statusCode), pub.code)).then(
        () => reply.code(pub.statusCode).send({ ...pub, requestId: req.id }),
        (err) => reply.code(503).send({ statusCode: 503, code: 'audit_unavailable', message: new AuditUnavailableError(err).message, requestId: req.id }),
      );
    },
  }) as unknown as FastifyInstance;

  installErrorHandling(app);
  app.addSchema(ErrorResponse);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Lux KMS gateway', version: '1.0.0', description: 'Secrets, audit and policies of a Lux KMS cluster' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key: lkms_<id>_<secret>' } } },
      security: [{ apiKey: [] }],
    },
  });
  // The docs UI and its JSON are public: mark them before the UI plugin adds its routes.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  if (options.rateLimit !== false) {
    const { max, timeWindowMs } = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    await app.register(rateLimit, {
      global: false,
      max,
      timeWindow: timeWindowMs,
      // Per API key when the token names a real key; otherwise per IP, so invented key ids buy no extra budget.
      keyGenerator: (req) => {
        const id = keyIdOfToken(presentedToken(req) ?? '');
        return id && services.apiKeys.isKnownId(id) ? `key:${id}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) => new GatewayError('rate_limited', 'rate_limited', `rate limit of ${ctx.max} requests exceeded; retry in ${ctx.after}`),
    });
    // As a global hook it runs first, for every route and for 404s, before authentication spends any work.
    app.addHook('onRequest', app.rateLimit());
  }

  installAccessControl(app, services);

  app.get('/v1/health', {
    schema: { tags: ['system'], summary: 'Liveness', security: [], response: responses({ 200: Type.Object({ status: Type.String() }) }) },
    config: { public: true },
  }, async () => ({ status: 'ok' }));

  await app.register(async (v1) => {
    await v1.register(authRoutes, services);
    await v1.register(secretsRoutes, services);
    await v1.register(certificateRoutes, services);
    await v1.register(sshRoutes, services);
    await v1.register(auditRoutes, services);
    await v1.register(policyRoutes, services);
    await v1.register(webhookRoutes, services);
    await v1.register(keysRoutes, services);
    await v1.register(mpcRoutes, services);
    await v1.register(aiRoutes, services);
  }, { prefix: '/v1' });

  return app;
}
