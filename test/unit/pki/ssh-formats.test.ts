/** SSH wire encoding, public key parsing and KRL layout, against fixed encodings from RFC 4251 and PROTOCOL.krl. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizedKeyLine, fingerprint, parsePublicKeyLine, publicBlob } from '../../../api/engines/ssh/keys.js';
import { encodeKrl } from '../../../api/engines/ssh/krl.js';
import { SshWriter } from '../../../api/engines/ssh/wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('wire', () => {
  // RFC 4251 §5 mpint examples.
  it.each([
    ['', '00000000'],
    ['0000', '00000000'],
    ['0009a378f9b2e332a7', '0000000809a378f9b2e332a7'],
    ['80', '000000020080'],
  ])('mpint of %s', (value, encoded) => {
    expect(hex(new SshWriter().mpint(Buffer.from(value, 'hex')).bytes())).toBe(encoded);
  });
});

describe('public keys', () => {
  it.each([
    ['ed25519', {}],
    ['ec', { namedCurve: 'P-256' }],
    ['ec', { namedCurve: 'P-384' }],
    ['rsa', { modulusLength: 2048 }],
  ] as const)('a %s key survives the authorized_keys round trip', (type, options) => {
    const { publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
    const line = authorizedKeyLine(publicKey, 'user@host');
    const parsed = parsePublicKeyLine(line, 'publicKey');
    expect(parsed.comment).toBe('user@host');
    expect(hex(parsed.blob)).toBe(hex(publicBlob(publicKey)));
    expect(parsed.key.equals(publicKey)).toBe(true);
    expect(fingerprint(parsed.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses an RSA key under 2048 bits', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => parsePublicKeyLine(authorizedKeyLine(publicKey), 'publicKey')).toThrow(/under 2048 bits/);
  });

  it('refuses trailing bytes after the key fields', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const blob = Buffer.concat([publicBlob(publicKey), Buffer.of(0)]);
    expect(() => parsePublicKeyLine(`ssh-ed25519 ${blob.toString('base64')}`, 'publicKey')).toThrow(/trailing bytes/);
  });

  it('refuses a P-256 blob that claims to be P-384', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const blob = Buffer.from(publicBlob(publicKey)).toString('latin1').replace(/nistp256/g, 'nistp384');
    expect(() => parsePublicKeyLine(`ecdsa-sha2-nistp384 ${Buffer.from(blob, 'latin1').toString('base64')}`, 'publicKey')).toThrow(expect.objectContaining({ code: 'invalid_public_key' }));
  });

  it('refuses a certificate passed where a key is expected', () => {
    expect(() => parsePublicKeyLine('ssh-ed25519-cert-v01@openssh.com AAAA', 'publicKey')).toThrow(/is a certificate/);
  });
});

describe('KRL', () => {
  it('has the magic, format version and a serial list under the CA', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const ca = publicBlob(publicKey);
    const krl = encodeKrl({ version: 3n, generatedAt: new Date(0), comment: '', caPublicBlob: ca, revokedSerials: [9n, 2n, 9n] });
    expect(hex(krl.subarray(0, 12))).toBe('5353484b524c0a00' + '00000001');
    const tail = hex(krl.subarray(krl.length - 16));
    expect(tail).toBe('0000000000000002' + '0000000000000009'); // sorted, de-duplicated
    expect(krl[8 + 4 + 8 + 8 + 8 + 4 + 4]).toBe(1); // first section after the header: certificates
  });

  it('an empty KRL is just the header', () => {
    const krl = encodeKrl({ version: 0n, generatedAt: new Date(0), comment: 'c', caPublicBlob: new Uint8Array(0), revokedSerials: [] });
    expect(krl.length).toBe(8 + 4 + 8 + 8 + 8 + 4 + 4 + 1);
  });
});
