/**
 * The proxy: `POST /ai/<provider>/chat/completions`, `/completions`, `/embeddings` (OpenAI style) and
 * `/ai/<provider>/messages` (Anthropic style), so existing client libraries work with the gateway as their
 * base URL and an AI token as their API key.
 *
 * These routes authenticate with AI tokens, not API keys, so the API-key step of the pipeline skips them
 * (`public`). They still leave exactly one audit record each: requests refused before a token is identified
 * are recorded by the pipeline as they go out; once it is (even a revoked or expired one), this handler
 * records them itself with the token as the actor, and an admitted call is recorded before it is forwarded
 * (no record, no call). The record names the provider and model, never the prompt.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditEntry, auditResultOf, presentedToken } from '../../server/access.js';
import type { AuditResult } from '../audit/chain.js';
import type { AuditLog } from '../audit/service.js';
import { toPublicError } from '../../server/error-handler.js';
import { AuditUnavailableError } from '../../server/errors.js';
import { responses } from '../../server/schemas.js';
import { AiRateLimitError, AiTokenRefusedError } from './errors.js';
import * as S from './schemas.js';
import type { Admission, AiService } from './service.js';
import { STYLES } from './styles/index.js';
import type { AiTokenInfo } from './tokens.js';

/** Prompts are larger than the gateway's usual requests. */
const PROXY_BODY_LIMIT = 8 << 20;

const ENDPOINT_SCOPES: Readonly<Record<string, string>> = Object.assign({}, ...Object.values(STYLES).map((s) => s.endpoints));

export async function aiProxyRoutes(app: FastifyInstance, opts: { ai: AiService; audit: AuditLog }): Promise<void> {
  const { ai, audit } = opts;
  const tokens = new WeakMap<FastifyRequest, AiTokenInfo>();

  const record = async (req: FastifyRequest, actor: string, result: AuditResult, code: string) => {
    await audit.append({ ...auditEntry(req, result, code), actor });
    req.auditWritten = true;
  };

  for (const [endpoint, scope] of Object.entries(ENDPOINT_SCOPES)) {
    app.post<{ Params: S.ProxyParamsT; Body: Record<string, unknown> & { model: string } }>(`/ai/:provider/${endpoint}`, {
      bodyLimit: PROXY_BODY_LIMIT,
      schema: { tags: ['ai-proxy'], summary: `Proxy: ${endpoint} (authenticate with an AI token)`, params: S.ProxyParams, body: S.ProxyBody, response: responses({ 200: S.ProxyAnswer }) },
      config: {
        public: true,
        access: {
          action: scope,
          resource: (req) => `ai-model:${(req.params as S.ProxyParamsT).provider}/${(req.body as { model?: unknown } | undefined)?.model}`,
          environment: (req) => tokens.get(req)?.environment,
        },
      },
    }, async (req, reply) => {
      let actor: string | undefined;
      try {
        const token = ai.authenticate(presentedToken(req));
        actor = token.id;
        tokens.set(req, token);
        const admission = await ai.admit(token, { provider: req.params.provider, endpoint, body: req.body, headers: req.headers });
        try {
          await record(req, token.id, 'allowed', 'allowed');
        } catch (err) {
          ai.cancel(admission);
          throw err instanceof AuditUnavailableError ? err : new AuditUnavailableError(err);
        }
        return await send(req, reply, ai, admission);
      } catch (err) {
        if (err instanceof AiRateLimitError) reply.header('retry-after', String(err.retryAfterSeconds));
        // A refusal by a known token is recorded here with the token as actor. If that record fails, the
        // pipeline tries again as the response goes out (and answers 503 if it must).
        if (err instanceof AiTokenRefusedError) {
          actor = err.tokenId;
          const known = ai.tokens.peek(err.tokenId);
          if (known) tokens.set(req, known);
        }
        if (actor !== undefined && !req.auditWritten && !(err instanceof AuditUnavailableError)) {
          const pub = toPublicError(err);
          await record(req, actor, auditResultOf(pub.statusCode), pub.code).catch(() => undefined);
        }
        throw err;
      }
    });
  }
}

async function send(req: FastifyRequest, reply: FastifyReply, ai: AiService, admission: Admission) {
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort();
  });
  const result = await ai.forward(admission, clientGone.signal);
  reply.code(200).header('content-type', result.contentType);
  if (result.kind === 'json') {
    // Recorded before answering, so a client that asks for its usage next sees this call in it.
    await result.settled.catch((err) => req.log.error({ err }, 'recording AI usage failed'));
    return reply.send(result.body);
  }
  void result.settled.catch((err) => req.log.error({ err }, 'recording AI usage failed'));
  return reply.header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(result.body);
}
