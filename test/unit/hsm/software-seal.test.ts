import { describe, expect, it } from 'vitest';
import { SealError } from '../../../node/hsm/seal-error.js';
import { createSoftwareSeal, generateSalt, SALT_BYTES } from '../../../node/hsm/software-seal.js';
import { MalformedError } from '../../../protocols/errors.js';

const text = (s: string) => new TextEncoder().encode(s);
const aad = text('lux-kms/v1|share/k1|1');

describe('SoftwareSeal', () => {
  it('round-trips under the same passphrase and salt, with a fresh IV each time', async () => {
    const salt = generateSalt();
    const seal = await createSoftwareSeal({ passphrase: 'correct horse battery', salt });
    const plaintext = text('share bytes');
    const a = await seal.seal(plaintext, aad);
    const b = await seal.seal(plaintext, aad);
    expect(a).not.toEqual(b);
    expect(a.length).toBe(1 + 12 + plaintext.length + 16);
    expect(a[0]).toBe(1);
    // A second seal derived from the same inputs (a node restart) opens what the first wrote.
    const restarted = await createSoftwareSeal({ passphrase: 'correct horse battery', salt });
    expect(await restarted.unseal(a, aad)).toEqual(plaintext);
    await seal.close();
    await restarted.close();
  });

  it('refuses to open a blob with a wrong passphrase, another salt, a flipped bit or other additional data', async () => {
    const salt = generateSalt();
    const seal = await createSoftwareSeal({ passphrase: 'correct horse battery', salt });
    const blob = await seal.seal(text('secret'), aad);
    const wrongPassphrase = await createSoftwareSeal({ passphrase: 'correct horse battery!', salt });
    const otherSalt = await createSoftwareSeal({ passphrase: 'correct horse battery', salt: generateSalt() });
    await expect(wrongPassphrase.unseal(blob, aad)).rejects.toThrow(SealError);
    await expect(otherSalt.unseal(blob, aad)).rejects.toThrow(SealError);
    for (const index of [1, 13, blob.length - 1]) {
      const tampered = blob.slice();
      tampered[index]! ^= 0x01;
      await expect(seal.unseal(tampered, aad), `byte ${index}`).rejects.toMatchObject({ code: 'unseal_failed' });
    }
    await expect(seal.unseal(blob, text('lux-kms/v1|share/k1|2'))).rejects.toMatchObject({ code: 'unseal_failed' });
  });

  it('rejects truncated and unknown-version blobs as malformed', async () => {
    const seal = await createSoftwareSeal({ passphrase: 'correct horse battery', salt: generateSalt() });
    const blob = await seal.seal(text('x'), aad);
    await expect(seal.unseal(blob.subarray(0, 28), aad)).rejects.toThrow(MalformedError);
    const future = blob.slice();
    future[0] = 2;
    await expect(seal.unseal(future, aad)).rejects.toThrow('sealed blob version expected 1, got 2');
  });

  it('validates its inputs and refuses use after close', async () => {
    await expect(createSoftwareSeal({ passphrase: 'short', salt: generateSalt() })).rejects.toThrow('"passphrase" expected at least 8 characters, got 5');
    await expect(createSoftwareSeal({ passphrase: 'long enough', salt: new Uint8Array(SALT_BYTES - 1) })).rejects.toThrow(RangeError);
    await expect(createSoftwareSeal({ passphrase: 42 as never, salt: generateSalt() })).rejects.toThrow(TypeError);
    const seal = await createSoftwareSeal({ passphrase: 'long enough', salt: generateSalt() });
    await expect(seal.seal('text' as never, aad)).rejects.toThrow(TypeError);
    await seal.close();
    await expect(seal.seal(text('x'), aad)).rejects.toMatchObject({ code: 'seal_closed' });
  });

  it('generates a distinct random salt per node', () => {
    const a = generateSalt();
    expect(a.length).toBe(SALT_BYTES);
    expect(a).not.toEqual(generateSalt());
  });
});
