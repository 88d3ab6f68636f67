/** `kms.audit`: the hash-chained audit log. */
import type { Transport } from './transport.js';
import type { AuditPage, AuditVerifyReport } from './types.js';

export interface AuditListInput {
  /** Records made by this API key, or about the object with this id (`key:<id>`, `secret:<id>`, …). */
  keyId?: string;
  actions?: string[];
  /** ISO 8601 date or time (a date alone: from its start, UTC). */
  from?: string | Date;
  /** ISO 8601 date or time (a date alone: the whole day, UTC). */
  to?: string | Date;
  limit?: number;
  cursor?: string;
}

const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);

export class AuditClient {
  constructor(private readonly http: Transport) {}

  list(input: AuditListInput = {}): Promise<AuditPage> {
    const { keyId, actions, from, to, limit, cursor } = input;
    return this.http.call({ method: 'GET', path: '/v1/audit', query: { keyId, actions, from: iso(from), to: iso(to), limit, cursor }, idempotent: true });
  }

  verify(): Promise<AuditVerifyReport> {
    return this.http.call({ method: 'GET', path: '/v1/audit/verify', idempotent: true });
  }
}
