/**
 * HSM key stores configured by the operator (like custom key stores of cloud KMSs): each is one PKCS#11 token,
 * named by an id, tied to a provider preset and, optionally, the provider's identifier for it (an AWS CloudHSM
 * cluster ARN, an Azure resource id, a Luna partition serial). Clients pick a store by provider and identifier.
 */
import { InvalidInputError } from '../../../protocols/errors.js';
import { Pkcs11KeyStore } from '../../../node/hsm/pkcs11-keys.js';
import { HSM_PROVIDERS, type HsmProviderId } from '../../../node/hsm/providers.js';
import { invalid } from '../../server/errors.js';
import type { KeyStoreRef } from './records.js';

export interface KeyStoreConfig {
  /** Operator's name for the store, unique in this gateway. */
  id: string;
  provider: HsmProviderId;
  /** What clients name it by, e.g. the CloudHSM cluster ARN. */
  identifier?: string;
  /** Defaults to the preset's module path. */
  library?: string;
  tokenLabel: string;
  pin: string;
}

export interface OpenKeyStore {
  ref: KeyStoreRef;
  /** False when the provider's module offers no AES-GCM (YubiHSM 2): AES keys cannot live there. */
  aesGcm: boolean;
  store: Pkcs11KeyStore;
}

// The SDK names YubiHSM 2 `yubihsm`; the node presets `yubihsm2`. Both mean the same store.
const PROVIDER_ALIASES: Record<string, HsmProviderId> = { yubihsm: 'yubihsm2' };
const STORE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const canonicalProvider = (provider: string): string => PROVIDER_ALIASES[provider] ?? provider;

export class KeyStoreRegistry {
  readonly #stores: Map<string, OpenKeyStore>;
  private constructor(stores: Map<string, OpenKeyStore>) {
    this.#stores = stores;
  }

  /** Opens (logs in to) every configured store; a bad config fails the gateway's start, naming the store. */
  static async open(configs: readonly KeyStoreConfig[] = []): Promise<KeyStoreRegistry> {
    const stores = new Map<string, OpenKeyStore>();
    try {
      for (const config of configs) {
        if (typeof config?.id !== 'string' || !STORE_ID.test(config.id)) throw new InvalidInputError(`key store "id" expected 1..64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(config?.id)}`);
        if (stores.has(config.id)) throw new InvalidInputError(`key store "${config.id}" is configured twice`);
        const preset = HSM_PROVIDERS[config.provider];
        if (!preset) throw new InvalidInputError(`key store "${config.id}": "provider" expected one of ${Object.keys(HSM_PROVIDERS).join(', ')}, got ${JSON.stringify(config.provider)}`);
        if (!preset.pin.pattern.test(config.pin ?? '')) throw new InvalidInputError(`key store "${config.id}": "pin" for ${preset.id} expected ${preset.pin.format}`);
        const store = await Pkcs11KeyStore.open({
          library: config.library ?? preset.defaultLibrary,
          tokenLabel: config.tokenLabel,
          pin: config.pin,
          ivSource: preset.ivSource,
          ...(preset.maxPlaintextBytes === undefined ? {} : { maxPlaintextBytes: preset.maxPlaintextBytes }),
        });
        const ref: KeyStoreRef = { id: config.id, provider: preset.id, ...(config.identifier === undefined ? {} : { identifier: config.identifier }) };
        stores.set(config.id, { ref, aesGcm: preset.aesGcm, store });
      }
    } catch (error) {
      await Promise.all([...stores.values()].map((s) => s.store.close()));
      throw error;
    }
    return new KeyStoreRegistry(stores);
  }

  /** The store a client asked for: by provider, and identifier when the operator configured several of that provider. */
  resolve(request: { provider: string; identifier?: string | undefined }): OpenKeyStore {
    const provider = canonicalProvider(request.provider);
    const candidates = [...this.#stores.values()].filter((s) => s.ref.provider === provider);
    const matching = request.identifier === undefined ? candidates : candidates.filter((s) => s.ref.identifier === request.identifier);
    const wanted = `${request.provider}${request.identifier === undefined ? '' : ` "${request.identifier}"`}`;
    if (matching.length === 1) return matching[0]!;
    if (matching.length > 1) throw invalid('key_store_ambiguous', `${matching.length} key stores of ${request.provider} are configured: name one by its identifier`);
    throw invalid('key_store_not_configured', `no HSM key store for ${wanted} is configured on this gateway`);
  }

  get(id: string): OpenKeyStore {
    const store = this.#stores.get(id);
    // A key made in a store the operator has since removed from the config cannot be used until it is back.
    if (!store) throw invalid('key_store_not_configured', `HSM key store "${id}" that holds this key is not configured on this gateway`);
    return store;
  }

  list(): KeyStoreRef[] {
    return [...this.#stores.values()].map((s) => s.ref);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#stores.values()].map((s) => s.store.close()));
  }
}
