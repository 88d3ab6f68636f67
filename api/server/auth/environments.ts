/**
 * Environments are namespaces: every secret lives in exactly one, and every API key is bound to a set of
 * them. The three standard ones exist from first start; operators add custom ones (e.g. `qa`, `eu-prod`).
 */
import type { EncryptedStore } from '../barrier.js';
import { conflict, notFound } from '../errors.js';

export const STANDARD_ENVIRONMENTS = ['production', 'staging', 'development'] as const;
const ENV_PREFIX = 'env/';

export interface EnvironmentInfo {
  name: string;
  description: string;
  createdAt: string;
}

export class EnvironmentService {
  readonly #known = new Map<string, EnvironmentInfo>();

  constructor(private readonly store: EncryptedStore) {}

  /** Loads every environment, creating the standard ones on first start. */
  async init(): Promise<void> {
    for await (const [, env] of this.store.entriesJson<EnvironmentInfo>(ENV_PREFIX)) this.#known.set(env.name, env);
    for (const name of STANDARD_ENVIRONMENTS) {
      if (!this.#known.has(name)) await this.#save({ name, description: `standard ${name} environment`, createdAt: new Date().toISOString() });
    }
  }

  async create(name: string, description = ''): Promise<EnvironmentInfo> {
    if (this.#known.has(name)) throw conflict('environment_exists', `environment "${name}" already exists`);
    const env = { name, description, createdAt: new Date().toISOString() };
    await this.#save(env);
    return env;
  }

  list(): EnvironmentInfo[] {
    return [...this.#known.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  exists(name: string): boolean {
    return this.#known.has(name);
  }

  require(name: string): void {
    if (!this.#known.has(name)) throw notFound('environment_not_found', `environment "${name}" does not exist`);
  }

  async #save(env: EnvironmentInfo): Promise<void> {
    await this.store.putJson(ENV_PREFIX + env.name, env);
    this.#known.set(env.name, env);
  }
}
