/** HTTP routes of the audit engine: query the log and verify its chain. */
import type { FastifyInstance } from 'fastify';
import { responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { AuditLog } from './service.js';

const tags = ['audit'];

export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditLog }): Promise<void> {
  const { audit } = opts;

  app.get<{ Querystring: S.ListQueryT }>('/audit', {
    schema: { tags, summary: 'List audit records (filters: keyId, actions, from, to)', querystring: S.ListQuery, response: responses({ 200: S.AuditPage }) },
    config: { access: { action: 'list', resource: () => 'audit:log' } },
  }, async (req) => audit.list(req.query));

  app.get('/audit/verify', {
    schema: { tags, summary: 'Verify the hash chain: detects edited and deleted records', response: responses({ 200: S.VerifyReport }) },
    config: { access: { action: 'verify', resource: () => 'audit:log' } },
  }, async () => audit.verify());
}
