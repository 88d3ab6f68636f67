/**
 * The node's control API for operators and the coordinator CLI: status, keys, and ceremonies (keygen, sign,
 * reshare, refresh, retire). Bound to loopback by default and guarded by a bearer token kept in the data directory.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { InvalidInputError, ProtocolAbort, TransportError } from '../../protocols/errors.js';
import type { ClusterService } from '../cluster.js';

export interface ControlServerOptions {
  cluster: ClusterService;
  token: string;
  host: string;
  port: number;
}

function errorBody(error: Error): { status: number; body: Record<string, unknown> } {
  if (error instanceof InvalidInputError) return { status: 400, body: { code: error.code, message: error.message } };
  if (error instanceof ProtocolAbort) {
    return { status: 409, body: { code: error.code, message: error.message, culprits: error.culprits, round: error.round } };
  }
  if (error instanceof TransportError) return { status: 504, body: { code: error.code, message: error.message, parties: error.parties } };
  if ((error as { validation?: unknown }).validation) return { status: 400, body: { code: 'invalid_input', message: error.message } };
  return { status: 500, body: { code: 'internal_error', message: 'internal error (see the node log)' } };
}

const partyList = { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 256 } as const;

export async function startControlServer(options: ControlServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const expected = Buffer.from(`Bearer ${options.token}`);
  app.addHook('onRequest', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.code(401).send({ code: 'unauthorized', message: 'missing or wrong control token' });
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorBody(error as Error);
    if (status === 500) request.log.error({ err: error }, 'control request failed');
    return reply.code(status).send(body);
  });

  const cluster = options.cluster;
  app.get('/v1/status', async () => cluster.status());
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(await cluster.metrics()));
  app.get('/v1/keys', async () => ({ keys: await cluster.keys() }));
  app.get<{ Params: { keyId: string } }>('/v1/keys/:keyId', async (request) => cluster.key(request.params.keyId));
  app.get<{ Params: { keyId: string } }>('/v1/keys/:keyId/presignatures', async (request) => ({ presignatures: await cluster.presignatures(request.params.keyId) }));

  app.post<{ Body: { protocol: 'cggmp21' | 'frost' | 'frost-taproot'; threshold: number; parties: number[]; keyId?: string } }>(
    '/v1/keygen',
    {
      schema: {
        body: {
          type: 'object',
          required: ['protocol', 'threshold', 'parties'],
          additionalProperties: false,
          properties: { protocol: { type: 'string', enum: ['cggmp21', 'frost', 'frost-taproot'] }, threshold: { type: 'integer', minimum: 1 }, parties: partyList, keyId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request) => cluster.keygen(request.body),
  );

  app.post<{ Body: { keyId: string; hash: string; signers?: number[] } }>(
    '/v1/sign',
    {
      schema: {
        body: {
          type: 'object',
          required: ['keyId', 'hash'],
          additionalProperties: false,
          properties: { keyId: { type: 'string', maxLength: 64 }, hash: { type: 'string', pattern: '^(0x)?[0-9a-fA-F]{64}$' }, signers: partyList },
        },
      },
    },
    async (request) => {
      const { keyId, hash, signers } = request.body;
      return cluster.sign({ keyId, digest: Buffer.from(hash.replace(/^0x/, ''), 'hex'), ...(signers ? { signers } : {}) });
    },
  );

  app.post<{ Body: { keyId: string; parties: number[]; threshold: number; dealers?: number[] } }>(
    '/v1/reshare',
    {
      schema: {
        body: {
          type: 'object',
          required: ['keyId', 'parties', 'threshold'],
          additionalProperties: false,
          properties: { keyId: { type: 'string', maxLength: 64 }, parties: partyList, threshold: { type: 'integer', minimum: 1 }, dealers: partyList },
        },
      },
    },
    async (request) => cluster.reshare(request.body),
  );

  app.post<{ Body: { keyId: string } }>(
    '/v1/refresh',
    { schema: { body: { type: 'object', required: ['keyId'], additionalProperties: false, properties: { keyId: { type: 'string', maxLength: 64 } } } } },
    async (request) => cluster.refresh(request.body),
  );

  app.post<{ Body: { keyId: string } }>(
    '/v1/retire',
    { schema: { body: { type: 'object', required: ['keyId'], additionalProperties: false, properties: { keyId: { type: 'string', maxLength: 64 } } } } },
    async (request) => cluster.retire(request.body.keyId),
  );

  await app.listen({ host: options.host, port: options.port });
  return app;
}
