/**
 * What differs between PKCS#11 HSMs, in one table: where the vendor installs the module, how the token is named,
 * what the PIN looks like, and the AES-GCM quirks the seal must respect. `resolveHsmConfig` turns an operator's
 * config into validated `Pkcs11SealOptions`. See docs/hsm.md for the operator-facing version of this table.
 */
import { InvalidInputError } from '../../protocols/errors.js';
import type { GcmIvSource } from './pkcs11-gcm.js';
import type { Pkcs11SealOptions } from './pkcs11-seal.js';

export type HsmProviderId = 'softhsm2' | 'aws-cloudhsm' | 'azure-dedicated-hsm' | 'thales-luna' | 'yubihsm2';

export interface HsmProviderPreset {
  readonly id: HsmProviderId;
  readonly name: string;
  /** Where the vendor's package installs the PKCS#11 module on Linux x86-64; `library` in the config overrides it. */
  readonly defaultLibrary: string;
  /** What `tokenLabel` must name on this HSM. */
  readonly tokenLabel: string;
  readonly pin: { readonly format: string; readonly pattern: RegExp };
  /** False when the vendor module offers no CKM_AES_GCM: the preset exists to say so clearly. */
  readonly aesGcm: boolean;
  readonly ivSource: GcmIvSource;
  /** Largest plaintext one C_Encrypt accepts with CKM_AES_GCM, when the vendor documents a limit. */
  readonly maxPlaintextBytes?: number;
  readonly notes: readonly string[];
}

export const HSM_PROVIDERS: Readonly<Record<HsmProviderId, HsmProviderPreset>> = Object.freeze({
  softhsm2: {
    id: 'softhsm2',
    name: 'SoftHSM v2 (software token, for development and tests)',
    defaultLibrary: '/usr/lib/softhsm/libsofthsm2.so',
    tokenLabel: 'the label given when the token was initialised',
    pin: { format: 'the user PIN, 4 to 255 characters', pattern: /^.{4,255}$/s },
    aesGcm: true,
    ivSource: 'host',
    notes: ['The key lives in a file under the token directory: it protects nothing on a host an attacker controls.'],
  },
  'aws-cloudhsm': {
    id: 'aws-cloudhsm',
    name: 'AWS CloudHSM (Client SDK 5)',
    defaultLibrary: '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so',
    tokenLabel: 'the label the library reports for the cluster slot',
    pin: { format: '<crypto-user name>:<password>', pattern: /^[^:]+:.+$/s },
    aesGcm: true,
    // CloudHSM does not accept caller IVs for AES-GCM encryption; it writes the 12 bytes it generated into pIv.
    ivSource: 'hsm',
    // C_Encrypt/C_Decrypt buffers are limited to 16 KiB with CKM_AES_GCM; the output carries the 16-byte tag.
    maxPlaintextBytes: 16 * 1024 - 16,
    notes: ['Log in as a crypto user (CU), never the crypto officer.', 'Keys are owned by the CU that created them: run every node as its own CU or use distinct key labels.'],
  },
  'azure-dedicated-hsm': {
    id: 'azure-dedicated-hsm',
    name: 'Azure Dedicated HSM (Thales Luna 7 Network HSM)',
    defaultLibrary: '/usr/safenet/lunaclient/lib/libCryptoki2_64.so',
    tokenLabel: 'the label of the partition assigned to this node',
    pin: { format: 'the partition Crypto Officer password', pattern: /^.{1,255}$/s },
    aesGcm: true,
    ivSource: 'host',
    notes: ['Same client and quirks as thales-luna.', 'Caller-supplied GCM IVs need HSM policy 12 (allow non-FIPS algorithms) on; in FIPS mode the startup self-test fails.'],
  },
  'thales-luna': {
    id: 'thales-luna',
    name: 'Thales Luna 7 Network/PCIe HSM',
    defaultLibrary: '/usr/safenet/lunaclient/lib/libCryptoki2_64.so',
    tokenLabel: 'the partition label',
    pin: { format: 'the partition Crypto Officer password', pattern: /^.{1,255}$/s },
    aesGcm: true,
    ivSource: 'host',
    notes: [
      'In FIPS mode Luna generates a 16-byte GCM IV itself and appends it to the ciphertext; that layout is not supported yet,',
      'so enable caller IVs (HSM policy 12) or the startup self-test fails with a clear error.',
    ],
  },
  yubihsm2: {
    id: 'yubihsm2',
    name: 'YubiHSM 2',
    defaultLibrary: '/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so',
    tokenLabel: 'the token label the module reports for the configured connector',
    pin: { format: '<4 hex digits of the authentication key id><password>, e.g. 0001password', pattern: /^[0-9a-fA-F]{4}.+$/s },
    aesGcm: false,
    ivSource: 'host',
    notes: ['The YubiHSM 2 module offers AES-ECB/CBC and AES-CCM key wrap but no CKM_AES_GCM, so it cannot hold the seal key.'],
  },
} satisfies Record<HsmProviderId, HsmProviderPreset>);

export interface HsmConfig {
  provider: HsmProviderId;
  library?: string;
  tokenLabel: string;
  pin: string;
  keyLabel: string;
  /** Generate the seal key in the token on first start (default true). */
  createKey?: boolean;
}

function field(config: Record<string, unknown>, name: string, maxLength: number): string {
  const value = config[name];
  if (typeof value !== 'string') throw new InvalidInputError(`"${name}" expected string, got ${value === undefined ? 'nothing' : typeof value}`);
  if (value.length === 0 || value.length > maxLength) throw new InvalidInputError(`"${name}" expected 1..${maxLength} characters, got ${value.length}`);
  return value;
}

/** Validates an HSM config against its provider preset and fills in the preset's library and quirks. */
export function resolveHsmConfig(config: unknown): Pkcs11SealOptions & { provider: HsmProviderId } {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidInputError(`HSM config expected object, got ${config === null ? 'null' : typeof config}`);
  const raw = config as Record<string, unknown>;
  const providerIds = Object.keys(HSM_PROVIDERS);
  if (typeof raw.provider !== 'string' || !providerIds.includes(raw.provider)) {
    throw new InvalidInputError(`"provider" expected one of ${providerIds.join(', ')}, got ${JSON.stringify(raw.provider) ?? 'nothing'}`);
  }
  const preset = HSM_PROVIDERS[raw.provider as HsmProviderId];
  if (!preset.aesGcm) throw new InvalidInputError(`"provider" ${preset.id} cannot seal: ${preset.notes.join(' ')}`, 'hsm_provider_unsupported');

  const library = raw.library === undefined ? preset.defaultLibrary : field(raw, 'library', 4096);
  // A CK_TOKEN_INFO label is 32 bytes; longer labels could never match.
  const tokenLabel = field(raw, 'tokenLabel', 32);
  const keyLabel = field(raw, 'keyLabel', 128);
  const pin = field(raw, 'pin', 255);
  // Never echo the PIN: the message says what shape was expected, not what was given.
  if (!preset.pin.pattern.test(pin)) throw new InvalidInputError(`"pin" for ${preset.id} expected ${preset.pin.format}`);
  if (raw.createKey !== undefined && typeof raw.createKey !== 'boolean') throw new InvalidInputError(`"createKey" expected boolean, got ${typeof raw.createKey}`);

  return {
    provider: preset.id,
    library,
    tokenLabel,
    pin,
    keyLabel,
    createKey: (raw.createKey as boolean | undefined) ?? true,
    ivSource: preset.ivSource,
    ...(preset.maxPlaintextBytes === undefined ? {} : { maxPlaintextBytes: preset.maxPlaintextBytes }),
  };
}
