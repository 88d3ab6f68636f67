/**
 * Pkcs11Seal against a real SoftHSM2 token (never a mock). SOFTHSM2_CONF is set by the helper before the
 * module is first initialised; vitest gives this file its own process, so its tokens are its own.
 */
import { createDecipheriv, createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSeal } from '../../../node/hsm/open-seal.js';
import { Pkcs11Seal, type Pkcs11SealOptions } from '../../../node/hsm/pkcs11-seal.js';
import { SealError } from '../../../node/hsm/seal-error.js';
import { openLevelStore } from '../../../node/store/level-store.js';
import { openSealedRecordStore } from '../../../node/store/sealed-store.js';
import { InvalidInputError } from '../../../protocols/errors.js';
import { anyFileContains, readAllFiles } from '../../helpers/disk.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../helpers/softhsm.js';

const text = (s: string) => new TextEncoder().encode(s);
const aad = text('lux-kms/v1|share/k1|1');

let token: SoftHsmToken & { tokenLabels: string[] };
let base: Pkcs11SealOptions;
beforeAll(async () => {
  token = await createSoftHsmToken({ labels: ['lux-node-a', 'lux-node-b'] });
  base = { library: token.library, tokenLabel: 'lux-node-a', pin: token.pin, keyLabel: 'seal-key' };
});
afterAll(async () => {
  await token.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

/**
 * Talks to the token directly, outside Pkcs11Seal, to check what really is inside it. Only call with every seal
 * closed: the library is process-global and this initialises and finalises it itself.
 */
async function withRawSession<T>(tokenLabel: string, fn: (p: InstanceType<typeof pkcs11js.PKCS11>, session: Buffer) => T): Promise<T> {
  const p = new pkcs11js.PKCS11();
  p.load(token.library);
  p.C_Initialize();
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trimEnd() === tokenLabel)!;
    const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p.C_Login(session, pkcs11js.CKU_USER, token.pin);
    try {
      return fn(p, session);
    } finally {
      p.C_Logout(session);
      p.C_CloseSession(session);
    }
  } finally {
    p.C_Finalize();
    p.close();
  }
}

function findByLabel(p: InstanceType<typeof pkcs11js.PKCS11>, session: Buffer, label: string): Buffer[] {
  p.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: label }]);
  const found = p.C_FindObjects(session, 10);
  p.C_FindObjectsFinal(session);
  return found;
}

function importAesKey(p: InstanceType<typeof pkcs11js.PKCS11>, session: Buffer, label: string, value: Buffer, extractable: boolean): void {
  p.C_CreateObject(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE, value },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: !extractable },
    { type: pkcs11js.CKA_EXTRACTABLE, value: extractable },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
  ]);
}

describe('Pkcs11Seal on SoftHSM2', () => {
  it('round-trips with a fresh random IV per blob, in the documented layout', async () => {
    const seal = await Pkcs11Seal.open(base);
    try {
      const plaintext = text('a CGGMP21 key share');
      const a = await seal.seal(plaintext, aad);
      const b = await seal.seal(plaintext, aad);
      expect(a.length).toBe(1 + 12 + plaintext.length + 16);
      expect(a[0]).toBe(1);
      expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13));
      expect(await seal.unseal(a, aad)).toEqual(plaintext);
      expect(await seal.unseal(b, aad)).toEqual(plaintext);
      await expect(seal.seal(new Uint8Array(0), aad)).rejects.toThrow(RangeError);
    } finally {
      await seal.close();
    }
  });

  it('creates a key that is non-extractable and sensitive: the token refuses to reveal CKA_VALUE', async () => {
    await (await Pkcs11Seal.open({ ...base, keyLabel: 'fresh-key' })).close();
    await withRawSession('lux-node-a', (p, session) => {
      const [key, ...others] = findByLabel(p, session, 'fresh-key');
      expect(others).toHaveLength(0);
      const attributes = p.C_GetAttributeValue(session, key!, [
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
        { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
        { type: pkcs11js.CKA_TOKEN },
      ]);
      expect(attributes.map((a) => a.value![0])).toEqual([0, 1, 1, 1, 1]);
      let refused: unknown;
      try {
        p.C_GetAttributeValue(session, key!, [{ type: pkcs11js.CKA_VALUE }]);
      } catch (error) {
        refused = error;
      }
      expect((refused as { code?: number })?.code).toBe(pkcs11js.CKR_ATTRIBUTE_SENSITIVE);
    });
  });

  it('produces standard AES-256-GCM (checked with node:crypto against an imported test key)', async () => {
    const keyValue = randomBytes(32);
    await withRawSession('lux-node-a', (p, session) => importAesKey(p, session, 'interop-key', keyValue, false));
    const seal = await Pkcs11Seal.open({ ...base, keyLabel: 'interop-key', createKey: false });
    try {
      const plaintext = text('interop plaintext');
      const blob = await seal.seal(plaintext, aad);
      const decipher = createDecipheriv('aes-256-gcm', keyValue, blob.subarray(1, 13));
      decipher.setAAD(aad);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      expect(Buffer.concat([decipher.update(blob.subarray(13, blob.length - 16)), decipher.final()])).toEqual(Buffer.from(plaintext));

      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyValue, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      expect(await seal.unseal(Buffer.concat([Buffer.from([1]), iv, body]), aad)).toEqual(plaintext);
    } finally {
      await seal.close();
    }
  });

  it('refuses to seal with an existing key that could leave the HSM (extractable key planted under the label)', async () => {
    await withRawSession('lux-node-a', (p, session) => importAesKey(p, session, 'weak-key', randomBytes(32), true));
    const error = await rejection(Pkcs11Seal.open({ ...base, keyLabel: 'weak-key' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.code).toBe('hsm_key_unfit');
    expect(error.message).toContain('extractable (CKA_EXTRACTABLE)');
  });

  it('reports a wrong PIN clearly', async () => {
    const error = await rejection(Pkcs11Seal.open({ ...base, pin: '9999' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe("HSM login failed for token 'lux-node-a': wrong PIN");
  });

  it('reports a wrong PIN even while another seal holds the login on the same token', async () => {
    const seal = await Pkcs11Seal.open(base);
    try {
      const error = await rejection(Pkcs11Seal.open({ ...base, pin: '9999' }));
      expect(error.message).toBe("HSM login failed for token 'lux-node-a': wrong PIN");
      expect(await seal.unseal(await seal.seal(text('still logged in'), aad), aad)).toEqual(text('still logged in'));
    } finally {
      await seal.close();
    }
  });

  it('reports a missing token, a missing library and a missing key (creation disabled) clearly', async () => {
    const noToken = await rejection(Pkcs11Seal.open({ ...base, tokenLabel: 'no-such-token' }));
    expect(noToken.message).toBe("HSM token 'no-such-token' not found (tokens present: 'lux-node-a', 'lux-node-b')");
    const noLibrary = await rejection(Pkcs11Seal.open({ ...base, library: join(tmpdir(), 'no-such-pkcs11.so') }));
    expect(noLibrary).toMatchObject({ code: 'hsm_library_missing' });
    const noKey = await rejection(Pkcs11Seal.open({ ...base, keyLabel: 'never-created', createKey: false }));
    expect(noKey.message).toBe("HSM key 'never-created' not found on token 'lux-node-a' and key creation is disabled");
  });

  it('fails the startup self-test when told the HSM generates IVs and it does not (CloudHSM quirk on the wrong HSM)', async () => {
    const error = await rejection(Pkcs11Seal.open({ ...base, ivSource: 'hsm' }));
    expect(error).toMatchObject({ code: 'hsm_self_test_failed' });
    expect(error.message).toContain('did not return a generated IV');
  });

  it('refuses tampered ciphertext, tag and IV, and blobs under other additional data', async () => {
    const seal = await Pkcs11Seal.open(base);
    try {
      const blob = await seal.seal(text('tamper target'), aad);
      for (const [what, index] of [['iv', 5], ['ciphertext', 14], ['tag', blob.length - 1]] as const) {
        const tampered = blob.slice();
        tampered[index]! ^= 0x01;
        const error = await rejection(seal.unseal(tampered, aad));
        expect(error, what).toBeInstanceOf(SealError);
        expect(error.code, what).toBe('unseal_failed');
      }
      await expect(seal.unseal(blob, text('lux-kms/v1|share/k1|2'))).rejects.toMatchObject({ code: 'unseal_failed' });
      // The session is still usable after failed decryptions.
      expect(await seal.unseal(blob, aad)).toEqual(text('tamper target'));
    } finally {
      await seal.close();
    }
  });

  it('serialises concurrent operations on one session', async () => {
    const seal = await Pkcs11Seal.open(base);
    try {
      const inputs = Array.from({ length: 40 }, (_, i) => text(`record ${i}`));
      const blobs = await Promise.all(inputs.map((input) => seal.seal(input, aad)));
      const opened = await Promise.all(blobs.map((blob) => seal.unseal(blob, aad)));
      expect(opened).toEqual(inputs);
    } finally {
      await seal.close();
    }
  });

  it('shares the process-global library between seals: closing one leaves the others working', async () => {
    const first = await Pkcs11Seal.open(base);
    const sameToken = await Pkcs11Seal.open(base);
    const otherToken = await Pkcs11Seal.open({ ...base, tokenLabel: 'lux-node-b' });
    const blob = await first.seal(text('shared key'), aad);
    await first.close();
    // A logout or C_Finalize from `first` would break these two.
    expect(await sameToken.unseal(blob, aad)).toEqual(text('shared key'));
    const other = await otherToken.seal(text('node b'), aad);
    // Token b generated its own key under the same label: token a's blob does not open there.
    await expect(otherToken.unseal(blob, aad)).rejects.toMatchObject({ code: 'unseal_failed' });
    await sameToken.close();
    expect(await otherToken.unseal(other, aad)).toEqual(text('node b'));
    await otherToken.close();
    await expect(otherToken.seal(text('x'), aad)).rejects.toMatchObject({ code: 'seal_closed' });
    // After the last close the library is finalised; opening again initialises it afresh.
    const again = await Pkcs11Seal.open(base);
    expect(await again.unseal(blob, aad)).toEqual(text('shared key'));
    await again.close();
  });

  it('opens through openSeal with the softhsm2 preset', async () => {
    const seal = await openSeal({ provider: 'softhsm2', library: token.library, tokenLabel: 'lux-node-a', pin: token.pin, keyLabel: 'seal-key' });
    expect(seal.kind).toBe('pkcs11');
    await seal.close();
  });
});

describe('SealedRecordStore with Pkcs11Seal on LevelDB', () => {
  it('keeps plaintext off the disk and refuses records moved to another id or generation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lux-hsm-store-'));
    const seal = await Pkcs11Seal.open(base);
    try {
      const kv = await openLevelStore(dir);
      const store = await openSealedRecordStore(kv, seal);
      const secret = new Uint8Array(randomBytes(64));
      const control = new Uint8Array(randomBytes(64));
      await store.putSealed('share/k1', 1, secret);
      await store.putMeta('control', control);
      expect(await store.getSealed('share/k1', 1)).toEqual(secret);

      const stored = (await kv.get('sealed/share/k1#0000000000000001'))!;
      await kv.put('sealed/share/k2#0000000000000001', stored);
      await kv.put('sealed/share/k1#0000000000000002', stored);
      await expect(store.getSealed('share/k2', 1)).rejects.toThrow('sealed record "share/k2" generation 1 failed to open');
      await expect(store.getSealed('share/k1', 2)).rejects.toThrow('sealed record "share/k1" generation 2 failed to open');
      await kv.close();

      const files = await readAllFiles(dir);
      expect(anyFileContains(files, control)).toBe(true);
      expect(anyFileContains(files, secret)).toBe(false);
    } finally {
      await seal.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
