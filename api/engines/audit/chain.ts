/**
 * The audit record and its hash chain. Each record's hash covers its sequence number, time, every field,
 * and the previous record's hash, so editing any record breaks its own hash and deleting one breaks the
 * link of the next (and a deleted tail no longer meets the stored head).
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditResult = 'allowed' | 'denied' | 'rejected' | 'failed';

/** What happened; never a secret value, a token or a request body. */
export interface AuditEntry {
  requestId: string;
  /** The API key that made the request, or null when it did not authenticate. */
  actor: string | null;
  action: string;
  resource: string;
  environment: string | null;
  result: AuditResult;
  /** A stable code: the policy decision code for allowed/denied, the error code otherwise. */
  code: string;
  sourceIp: string;
  method: string;
  path: string;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prevHash: string;
  hash: string;
}

export function hashRecord(r: Omit<AuditRecord, 'hash'>): string {
  // An array in fixed order is a canonical encoding: no dependence on object key order.
  const canonical = JSON.stringify([
    r.seq, r.time, r.prevHash, r.requestId, r.actor, r.action, r.resource, r.environment,
    r.result, r.code, r.sourceIp, r.method, r.path,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function seqKey(seq: number): string {
  return `audit/rec/${String(seq).padStart(16, '0')}`;
}
