/**
 * The request pipeline every route goes through: authenticate (onRequest), authorise and write the audit
 * record ahead of the handler (preHandler), and audit every request that did not get that far (onSend).
 *
 * Each request leaves exactly one audit record. An allowed request is recorded *before* its handler runs,
 * so if the audit log cannot be written the operation never happens (503). Requests refused earlier —
 * unauthenticated, denied, malformed, rate-limited, unknown routes — are recorded as the response goes
 * out; if that record cannot be written either, the response becomes a 503.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../engines/audit/service.js';
import type { AuditEntry, AuditResult } from '../engines/audit/chain.js';
import { parseAmount } from '../engines/policies/amount.js';
import type { PolicyService } from '../engines/policies/service.js';
import { ALL_ENVIRONMENTS, type ApiKeyRecord, type ApiKeyService } from './auth/api-keys.js';
import type { EnvironmentService } from './auth/environments.js';
import { decideWithMfa } from './auth/mfa.js';
import { AuditUnavailableError, forbidden, GatewayError } from './errors.js';

export const MFA_HEADER = 'x-kms-mfa';
export const API_KEY_HEADER = 'x-api-key';

/** What a route does, for policy decisions and the audit log. */
export interface AccessSpec {
  action: string;
  resource: (req: FastifyRequest) => string;
  environment?: (req: FastifyRequest) => string | undefined;
  /** Signing routes: the amount moved, checked against `maxAmount`. */
  amount?: (req: FastifyRequest) => number | string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessSpec;
    public?: boolean;
  }
  interface FastifyRequest {
    principal: ApiKeyRecord | null;
    auditWritten: boolean;
    /** The error code sent to the caller, kept for the audit record. */
    errorCode: string | null;
  }
}

export interface AccessDeps {
  apiKeys: ApiKeyService;
  environments: EnvironmentService;
  policies: PolicyService;
  audit: AuditLog;
}

/** The presented API key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers[API_KEY_HEADER];
  return typeof header === 'string' ? header.trim() : undefined;
}

export function isBoundTo(key: ApiKeyRecord, environment: string): boolean {
  return key.environments.includes(ALL_ENVIRONMENTS) || key.environments.includes(environment);
}

// Audit fields built from request input are capped, so junk requests cannot bloat the log.
const MAX_FIELD = 512;
const pathOf = (req: FastifyRequest) => req.url.split('?')[0]!.slice(0, MAX_FIELD);

function describe(req: FastifyRequest): Pick<AuditEntry, 'action' | 'resource' | 'environment'> {
  // Requests refused before routing (a malformed URL) have no route config at all.
  const config = req.routeOptions?.config;
  const spec = config?.access;
  if (!spec) return { action: config?.public ? 'view' : 'unknown', resource: `http:${pathOf(req)}`, environment: null };
  // Params here may be unvalidated (the request may have failed validation); fall back rather than throw.
  try {
    const environment = spec.environment?.(req);
    return { action: spec.action, resource: String(spec.resource(req)).slice(0, MAX_FIELD), environment: environment === undefined ? null : String(environment).slice(0, MAX_FIELD) };
  } catch {
    return { action: spec.action, resource: `http:${pathOf(req)}`, environment: null };
  }
}

export function auditEntry(req: FastifyRequest, result: AuditResult, code: string): AuditEntry {
  return {
    requestId: req.id,
    actor: req.principal?.id ?? null,
    ...describe(req),
    result,
    code,
    sourceIp: req.ip,
    method: req.method,
    path: pathOf(req),
  };
}

export function auditResultOf(status: number): AuditResult {
  if (status < 400) return 'allowed';
  if (status === 401 || status === 403) return 'denied';
  return status < 500 ? 'rejected' : 'failed';
}

export function installAccessControl(app: FastifyInstance, deps: AccessDeps): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('auditWritten', false);
  app.decorateRequest('errorCode', null);

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.public) return;
    const token = presentedToken(req);
    if (!token) throw new GatewayError('unauthenticated', 'missing_api_key', 'an API key is required: send "Authorization: Bearer <key>"');
    const key = await deps.apiKeys.authenticate(token);
    if (!key) throw new GatewayError('unauthenticated', 'invalid_api_key', 'the API key is unknown or revoked');
    req.principal = key;
  });

  app.addHook('preHandler', async (req) => {
    const spec = req.routeOptions.config.access;
    if (!spec || !req.principal) return;
    const principal = req.principal;
    const environment = spec.environment?.(req);
    if (environment !== undefined && !isBoundTo(principal, environment)) {
      throw forbidden('environment_forbidden', `this API key is not bound to environment "${environment}"`);
    }
    const rawAmount = spec.amount?.(req);
    const mfaHeader = req.headers[MFA_HEADER];
    // A repeated header is never a valid code: pass it on as an empty (wrong) one rather than as "absent".
    const mfaCode = Array.isArray(mfaHeader) ? '' : mfaHeader;
    const request = {
      action: spec.action,
      resource: spec.resource(req),
      environment,
      sourceIp: req.ip,
      ...(rawAmount === undefined ? {} : { amount: parseAmount(rawAmount, 'amount') }),
    };
    const decision = await decideWithMfa(deps.apiKeys, principal, mfaCode, (mfa) => deps.policies.decide(principal.policies, { ...request, mfa }));
    if (!decision.allowed) throw forbidden(decision.code === 'explicit_deny' || decision.code === 'no_matching_rule' ? 'policy_denied' : decision.code, decision.explanation);
    if (environment !== undefined) deps.environments.require(environment);
    try {
      await deps.audit.append(auditEntry(req, 'allowed', decision.code));
    } catch (err) {
      throw err instanceof AuditUnavailableError ? err : new AuditUnavailableError(err);
    }
    req.auditWritten = true;
  });

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (req.auditWritten) return payload;
    const status = reply.statusCode;
    try {
      await deps.audit.append(auditEntry(req, auditResultOf(status), req.errorCode ?? (status < 400 ? 'ok' : `http_${status}`)));
    } catch (err) {
      req.log.error({ err }, 'audit append failed; refusing the response');
      reply.code(503).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify({ statusCode: 503, code: 'audit_unavailable', message: new AuditUnavailableError(err).message, requestId: req.id });
    }
    return payload;
  });
}
