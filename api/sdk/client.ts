/**
 * `LuxKMS`: the application-facing client of a Lux KMS gateway.
 *
 *   const kms = new LuxKMS({ apiKey: process.env.KMS_API_KEY, environment: 'production' });
 *
 * Options fall back to `KMS_API_KEY`, `KMS_ENVIRONMENT` and `KMS_URL` from the environment. The
 * environment given here is the default namespace for `secrets.*`; every call can override it.
 */
import { ApiKeysClient, EnvironmentsClient } from './admin.js';
import { AiClient } from './ai.js';
import { AuditClient } from './audit.js';
import { KeysClient } from './keys.js';
import { MpcClient } from './mpc.js';
import { CertificatesClient } from './certificates.js';
import { PoliciesClient } from './policies.js';
import { SecretsClient } from './secrets.js';
import { SshClient } from './ssh.js';
import { Transport } from './transport.js';
import { WebhooksClient } from './webhooks.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8200';
export const HSM_PROVIDERS = ['aws-cloudhsm', 'azure-dedicated-hsm', 'thales-luna', 'yubihsm', 'softhsm2'] as const;
export type HsmProvider = (typeof HSM_PROVIDERS)[number];

export interface LuxKMSOptions {
  /** `lkms_…` token; default `KMS_API_KEY`. */
  apiKey?: string | undefined;
  /** Default environment of `secrets.*` calls; default `KMS_ENVIRONMENT`, else `development`. */
  environment?: string;
  /** Gateway URL; default `KMS_URL`, else `http://127.0.0.1:8200`. */
  baseUrl?: string;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
  /**
   * Per-attempt timeout of calls that run a ceremony between the cluster's nodes (creating, rotating and signing with
   * keys, MPC wallet creation, signing and deletion): CGGMP21 keygen takes seconds to tens of seconds. Default
   * 120 s, never less than `timeoutMs`.
   */
  ceremonyTimeoutMs?: number;
  /** Retries of idempotent calls (reads, deletes, dry runs); default 2. Creates and rotations never retry. */
  maxRetries?: number;
  /**
   * The HSM the cluster's nodes seal with. Nodes, not clients, hold the HSM; the SDK records the choice
   * (`kms.hsm`) so applications can assert which cluster they talk to.
   */
  hsmProvider?: HsmProvider;
  clusterArn?: string;
}

const env = (name: string): string | undefined => (typeof process !== 'undefined' ? process.env[name] : undefined) || undefined;

export class LuxKMS {
  readonly environment: string;
  readonly baseUrl: string;
  readonly hsm: { provider: HsmProvider; clusterArn?: string } | undefined;
  readonly secrets: SecretsClient;
  readonly keys: KeysClient;
  readonly mpc: MpcClient;
  readonly certificates: CertificatesClient;
  readonly ssh: SshClient;
  readonly audit: AuditClient;
  readonly policies: PoliciesClient;
  readonly apiKeys: ApiKeysClient;
  readonly environments: EnvironmentsClient;
  readonly webhooks: WebhooksClient;
  readonly ai: AiClient;
  readonly #transport: Transport;

  /** `transport` is internal: `withMfa` passes its derived one. */
  constructor(options: LuxKMSOptions = {}, transport?: Transport) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`"options" expected object, got ${options === null ? 'null' : typeof options}`);
    const apiKey = options.apiKey ?? env('KMS_API_KEY');
    if (!transport && (typeof apiKey !== 'string' || apiKey.length === 0)) throw new TypeError('"apiKey" expected a non-empty string (or set KMS_API_KEY)');
    this.environment = options.environment ?? env('KMS_ENVIRONMENT') ?? 'development';
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(this.environment)) throw new RangeError(`"environment" expected lowercase letters, digits and dashes, got "${this.environment}"`);
    this.baseUrl = options.baseUrl ?? env('KMS_URL') ?? DEFAULT_BASE_URL;
    if (!/^https?:\/\//.test(this.baseUrl)) throw new RangeError(`"baseUrl" expected an http(s) URL, got "${this.baseUrl}"`);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxRetries = options.maxRetries ?? 2;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`"timeoutMs" expected integer >= 1, got ${timeoutMs}`);
    const ceremonyTimeoutMs = options.ceremonyTimeoutMs ?? Math.max(timeoutMs, 120_000);
    if (!Number.isSafeInteger(ceremonyTimeoutMs) || ceremonyTimeoutMs < timeoutMs) {
      throw new RangeError(`"ceremonyTimeoutMs" expected integer >= timeoutMs (${timeoutMs}), got ${ceremonyTimeoutMs}`);
    }
    if (!Number.isSafeInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) throw new RangeError(`"maxRetries" expected integer 0..10, got ${maxRetries}`);
    if (options.hsmProvider !== undefined && !HSM_PROVIDERS.includes(options.hsmProvider)) {
      throw new RangeError(`"hsmProvider" expected one of ${HSM_PROVIDERS.join(', ')}, got "${options.hsmProvider}"`);
    }
    this.hsm = options.hsmProvider ? { provider: options.hsmProvider, ...(options.clusterArn ? { clusterArn: options.clusterArn } : {}) } : undefined;

    this.#transport = transport ?? new Transport({ baseUrl: this.baseUrl, apiKey: apiKey!, timeoutMs, ceremonyTimeoutMs, maxRetries });
    this.secrets = new SecretsClient(this.#transport, this.environment);
    this.keys = new KeysClient(this.#transport, this.environment, this.hsm);
    this.mpc = new MpcClient(this.#transport);
    this.certificates = new CertificatesClient(this.#transport, this.environment);
    this.ssh = new SshClient(this.#transport, this.environment);
    this.audit = new AuditClient(this.#transport);
    this.policies = new PoliciesClient(this.#transport);
    this.apiKeys = new ApiKeysClient(this.#transport);
    this.environments = new EnvironmentsClient(this.#transport);
    this.webhooks = new WebhooksClient(this.#transport);
    this.ai = new AiClient(this.#transport, this.environment);
  }

  /** A client that sends this TOTP code with every call, for rules with `requireMFA`. */
  withMfa(code: string): LuxKMS {
    if (typeof code !== 'string' || !/^\d{6}$/.test(code)) throw new RangeError('"code" expected a 6-digit TOTP code');
    return new LuxKMS(
      { environment: this.environment, baseUrl: this.baseUrl, ...(this.hsm ? { hsmProvider: this.hsm.provider, clusterArn: this.hsm.clusterArn } : {}) },
      this.#transport.withHeaders({ 'x-kms-mfa': code }),
    );
  }
}
