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
export type { Bytes, ConfigureRotationInput, CreateKeyInput, EncryptionContext, Key, KeyProtection, KeySignature, KeyType, KeyUsage, KeyVersion, MessageType, RotatedKey, SigningAlgorithm, SignKeyInput, StoredCiphertext, VerifyKeyInput } from './keys.js';
export type * from './certificates.js';
export type * from './ssh.js';
export type { BitcoinTransactionInput, EvmTransactionInput, GenerateWalletInput, MpcSignedHash, MpcSignedTransaction, MpcSignInput, MpcWallet, Units } from './mpc.js';
export type { AiScope, AiToken, CreatedAiToken, CreateAiTokenInput, AiUsage, AiUsagePeriod, AiProvider, AiProviderInput } from './ai.js';
export type * from './types.js';
export {
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  type VerifyWebhookInput,
} from '../shared/webhook-signature.js';
