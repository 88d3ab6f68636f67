/** `kms.apiKeys` and `kms.environments`: principals and namespaces. */
import type { Transport } from './transport.js';
import type { ApiKeyInfo, Environment } from './types.js';
import { requireObject, seg } from './validate.js';

export class ApiKeysClient {
  constructor(private readonly http: Transport) {}

  /** Returns the token once (`apiKey`); the gateway keeps only its hash. */
  create(input: { name: string; environments: string[]; policies: string[] }): Promise<{ apiKey: string; key: ApiKeyInfo }> {
    return this.http.call({ method: 'POST', path: '/v1/api-keys', body: requireObject(input, 'input'), idempotent: false });
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await this.http.call<{ keys: ApiKeyInfo[] }>({ method: 'GET', path: '/v1/api-keys', idempotent: true })).keys;
  }

  get(id: string): Promise<ApiKeyInfo> {
    return this.http.call({ method: 'GET', path: `/v1/api-keys/${seg(id, 'id')}`, idempotent: true });
  }

  revoke(id: string): Promise<ApiKeyInfo> {
    return this.http.call({ method: 'DELETE', path: `/v1/api-keys/${seg(id, 'id')}`, idempotent: true });
  }

  /** Enrols TOTP for another key; returns its secret once (for an authenticator app). */
  enrollMfa(id: string): Promise<{ secret: string; otpauthUrl: string }> {
    return this.http.call({ method: 'POST', path: `/v1/api-keys/${seg(id, 'id')}/mfa`, idempotent: false });
  }
}

export class EnvironmentsClient {
  constructor(private readonly http: Transport) {}

  create(input: { name: string; description?: string }): Promise<Environment> {
    return this.http.call({ method: 'POST', path: '/v1/environments', body: requireObject(input, 'input'), idempotent: false });
  }

  async list(): Promise<Environment[]> {
    return (await this.http.call<{ environments: Environment[] }>({ method: 'GET', path: '/v1/environments', idempotent: true })).environments;
  }
}
