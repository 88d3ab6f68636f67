/** `kms.secrets`: versioned secrets scoped to environments (the client's environment unless given). */
import type { Transport } from './transport.js';
import type { RotatedSecret, Secret, SecretInfo, SecretPage, SecretVersion } from './types.js';
import { requireObject, seg } from './validate.js';

export interface CreateSecretInput {
  name: string;
  value: string;
  environment?: string;
  tags?: string[];
}

export interface RotateSecretInput {
  newValue: string;
  /** URL that receives a signed `secret.rotated` event (never the value). */
  notifyWebhook?: string;
  /** Check-and-set: rotate only if the current version is this one. */
  ifVersion?: number;
  environment?: string;
}

export interface UpdateSecretInput {
  value: string;
  tags?: string[];
  /** Check-and-set: 0 = the secret must not exist yet; n = its current version must be n. */
  ifVersion?: number;
  environment?: string;
}

export class SecretsClient {
  constructor(
    private readonly http: Transport,
    private readonly defaultEnvironment: string,
  ) {}

  #base(environment: string | undefined): string {
    return `/v1/environments/${seg(environment ?? this.defaultEnvironment, 'environment')}/secrets`;
  }

  create(input: CreateSecretInput): Promise<SecretInfo> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: this.#base(environment), body, idempotent: false });
  }

  get(name: string, options: { version?: number; environment?: string } = {}): Promise<Secret> {
    return this.http.call({ method: 'GET', path: `${this.#base(options.environment)}/${seg(name, 'name')}`, query: { version: options.version }, idempotent: true });
  }

  list(options: { environment?: string; tags?: string[]; limit?: number; cursor?: string } = {}): Promise<SecretPage> {
    const { environment, tags, limit, cursor } = options;
    return this.http.call({ method: 'GET', path: this.#base(environment), query: { tags, limit, cursor }, idempotent: true });
  }

  rotate(name: string, input: RotateSecretInput): Promise<RotatedSecret> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'POST', path: `${this.#base(environment)}/${seg(name, 'name')}/rotate`, body, idempotent: false });
  }

  update(name: string, input: UpdateSecretInput): Promise<SecretInfo> {
    const { environment, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'PUT', path: `${this.#base(environment)}/${seg(name, 'name')}`, body, idempotent: false });
  }

  async versions(name: string, options: { environment?: string } = {}): Promise<SecretVersion[]> {
    const res = await this.http.call<{ versions: SecretVersion[] }>({ method: 'GET', path: `${this.#base(options.environment)}/${seg(name, 'name')}/versions`, idempotent: true });
    return res.versions;
  }

  destroyVersion(name: string, version: number, options: { environment?: string } = {}): Promise<SecretVersion> {
    if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`"version" expected integer >= 1, got ${version}`);
    return this.http.call({ method: 'DELETE', path: `${this.#base(options.environment)}/${seg(name, 'name')}/versions/${version}`, idempotent: true });
  }

  async delete(name: string, options: { environment?: string } = {}): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `${this.#base(options.environment)}/${seg(name, 'name')}`, idempotent: true });
  }
}
