/**
 * The package's main export: `import { LuxKMS } from '@luxfi/kms'`.
 * More method groups (keys, mpc, certificates, ssh, ai) join as their engines land.
 */
export { LuxKMS, DEFAULT_BASE_URL, HSM_PROVIDERS, type HsmProvider, type LuxKMSOptions } from './client.js';
export {
  LuxKMSError,
  InvalidRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  GoneError,
  RateLimitError,
  ServerError,
  ConnectionError,
} from './errors.js';
export type { CreateSecretInput, RotateSecretInput, UpdateSecretInput } from './secrets.js';
export type { AuditListInput } from './audit.js';
export type * from './types.js';
export {
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  type VerifyWebhookInput,
} from '../shared/webhook-signature.js';
