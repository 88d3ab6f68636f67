/** The shapes the gateway returns, as the SDK exposes them. */
// Types only, from the gateway's record modules where they are declared, so the two cannot drift; no gateway code is loaded.
import type { Secret, SecretInfo, VersionInfo } from '../engines/secrets/records.js';
import type { ApiKeyInfo } from '../server/auth/api-key-info.js';

export type { Secret, SecretInfo };
export type SecretVersion = VersionInfo;

export interface RotatedSecret extends SecretInfo {
  /** Present when `notifyWebhook` was given: poll `kms.webhooks.getDelivery(id)` for the outcome. */
  webhookDelivery?: { id: string; status: string };
}

export interface SecretPage {
  secrets: SecretInfo[];
  nextCursor?: string;
}

export interface AuditRecord {
  seq: number;
  time: string;
  requestId: string;
  actor: string | null;
  action: string;
  resource: string;
  environment: string | null;
  result: 'allowed' | 'denied' | 'rejected' | 'failed';
  code: string;
  sourceIp: string;
  method: string;
  path: string;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  records: AuditRecord[];
  nextCursor?: string;
}

export interface AuditVerifyReport {
  valid: boolean;
  records: number;
  headSeq: number;
  problems: { seq: number; problem: string }[];
}

export interface PolicyConditions {
  requireMFA?: boolean;
  maxAmount?: number | string;
  allowedIPs?: string[];
  environments?: string[];
}

export interface PolicyRule {
  effect?: 'allow' | 'deny';
  action: string;
  resource: string;
  conditions?: PolicyConditions;
}

export interface Policy {
  name: string;
  description: string;
  /** As stored: `effect` filled in, `maxAmount` as an exact decimal string. */
  rules: { effect: 'allow' | 'deny'; action: string; resource: string; conditions?: Omit<PolicyConditions, 'maxAmount'> & { maxAmount?: string } }[];
  createdAt: string;
  builtIn: boolean;
}

export interface PolicyDecision {
  allowed: boolean;
  code: string;
  explanation: string;
  matches: { policy: string; rule: number; effect: string; applies: boolean; failed: string[] }[];
}

export interface EvaluateInput {
  /** Decide as this API key would be decided (its policies and environments). */
  apiKeyId?: string;
  /** Or decide against these policies. Neither: as the calling key. */
  policies?: string[];
  action: string;
  resource: string;
  environment?: string;
  sourceIp?: string;
  mfa?: 'absent' | 'valid' | 'invalid' | 'not_enrolled';
  amount?: number | string;
}

export type { ApiKeyInfo };

export interface Environment {
  name: string;
  description: string;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  url: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: { at: string; statusCode?: number; error?: string }[];
  createdAt: string;
}
