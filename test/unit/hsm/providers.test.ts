import { describe, expect, it } from 'vitest';
import { openSeal } from '../../../node/hsm/open-seal.js';
import { HSM_PROVIDERS, resolveHsmConfig } from '../../../node/hsm/providers.js';
import { generateSalt } from '../../../node/hsm/software-seal.js';
import { InvalidInputError } from '../../../protocols/errors.js';

const valid = { provider: 'softhsm2', tokenLabel: 'node-1', pin: '1234', keyLabel: 'lux-seal' };

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected resolveHsmConfig to throw');
}

describe('HSM provider presets', () => {
  it('has the five documented presets, each with a library, PIN format and IV rule', () => {
    expect(Object.keys(HSM_PROVIDERS).sort()).toEqual(['aws-cloudhsm', 'azure-dedicated-hsm', 'softhsm2', 'thales-luna', 'yubihsm2']);
    for (const preset of Object.values(HSM_PROVIDERS)) {
      expect(preset.defaultLibrary).toMatch(/\.so$/);
      expect(['host', 'hsm']).toContain(preset.ivSource);
    }
  });

  it('fills in the preset library, key creation default and GCM quirks', () => {
    expect(resolveHsmConfig(valid)).toEqual({ ...valid, library: HSM_PROVIDERS.softhsm2.defaultLibrary, createKey: true, ivSource: 'host' });
    const cloudhsm = resolveHsmConfig({ ...valid, provider: 'aws-cloudhsm', pin: 'crypto-user:s3cret', library: '/custom/libcloudhsm.so', createKey: false });
    expect(cloudhsm).toMatchObject({ library: '/custom/libcloudhsm.so', ivSource: 'hsm', maxPlaintextBytes: 16 * 1024 - 16, createKey: false });
  });

  it('rejects a CloudHSM PIN without the user name, without echoing the PIN', () => {
    const error = errorOf(() => resolveHsmConfig({ ...valid, provider: 'aws-cloudhsm', pin: 'hunter2-only' }));
    expect(error.message).toBe('"pin" for aws-cloudhsm expected <crypto-user name>:<password>');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a YubiHSM 2 PIN without the 4-hex-digit auth key id, and the provider itself for lacking AES-GCM', () => {
    expect(errorOf(() => resolveHsmConfig({ ...valid, provider: 'yubihsm2', pin: '0001password' })).code).toBe('hsm_provider_unsupported');
    expect(HSM_PROVIDERS.yubihsm2.pin.pattern.test('password')).toBe(false);
    expect(HSM_PROVIDERS.yubihsm2.pin.pattern.test('0001password')).toBe(true);
  });

  it('names the field and the expectation for every malformed config', () => {
    expect(errorOf(() => resolveHsmConfig(null)).message).toBe('HSM config expected object, got null');
    expect(errorOf(() => resolveHsmConfig({ ...valid, provider: 'pkcs11-generic' })).message).toContain('"provider" expected one of softhsm2, aws-cloudhsm');
    expect(errorOf(() => resolveHsmConfig({ ...valid, tokenLabel: 'x'.repeat(33) })).message).toBe('"tokenLabel" expected 1..32 characters, got 33');
    expect(errorOf(() => resolveHsmConfig({ ...valid, keyLabel: undefined })).message).toBe('"keyLabel" expected string, got nothing');
    expect(errorOf(() => resolveHsmConfig({ ...valid, pin: '12' })).message).toBe('"pin" for softhsm2 expected the user PIN, 4 to 255 characters');
    expect(errorOf(() => resolveHsmConfig({ ...valid, createKey: 'yes' })).message).toBe('"createKey" expected boolean, got string');
  });
});

describe('openSeal', () => {
  it('opens the software seal from a passphrase and salt', async () => {
    const seal = await openSeal({ provider: 'software', passphrase: 'a long passphrase', salt: generateSalt() });
    expect(seal.kind).toBe('software');
    const aad = new TextEncoder().encode('lux-kms/v1|x|0');
    expect(await seal.unseal(await seal.seal(new Uint8Array([1, 2, 3]), aad), aad)).toEqual(new Uint8Array([1, 2, 3]));
    await seal.close();
  });

  it('reports a bad software passphrase or salt as the operator\'s mistake', async () => {
    await expect(openSeal({ provider: 'software', passphrase: 'short', salt: generateSalt() })).rejects.toThrow(InvalidInputError);
    await expect(openSeal({ provider: 'software', passphrase: 'a long passphrase', salt: new Uint8Array(4) })).rejects.toThrow('software seal: "salt" expected at least 16 bytes, got 4');
  });
});
