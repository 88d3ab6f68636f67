/**
 * The hand-written DER and X.509 encoders, checked against node's own X.509 parser (OpenSSL underneath)
 * and against fixed encodings from RFC 5280 / X.690.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as der from '../../../api/engines/certificates/der.js';
import { spkiOf } from '../../../api/engines/certificates/key-types.js';
import { parseSans } from '../../../api/engines/certificates/names.js';
import { EKU, randomSerial, signCertificate, signCrl } from '../../../api/engines/certificates/x509.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DER', () => {
  it('encodes integers minimally, with a zero byte ahead of a set top bit', () => {
    expect(hex(der.uint(Uint8Array.of(0, 0, 0x7f)))).toBe('02017f');
    expect(hex(der.uint(Uint8Array.of(0x80)))).toBe('02020080');
    expect(hex(der.uint(Uint8Array.of(0)))).toBe('020100');
    expect(hex(der.smallInt(256))).toBe('02020100');
  });

  it('encodes object identifiers as X.690 §8.19 does, and reads them back', () => {
    // 1.2.840.113549.1.1.11 (sha256WithRSAEncryption) has a well-known encoding.
    expect(hex(der.oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    for (const o of ['2.5.29.17', '1.3.101.112', '1.2.840.10045.4.3.2', '2.999.1']) expect(der.readOid(der.readWhole(der.oid(o)))).toBe(o);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    expect(Buffer.from(der.time(new Date('2049-12-31T23:59:59Z'))).toString('latin1').slice(2)).toBe('491231235959Z');
    expect(der.time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(0x17);
    expect(Buffer.from(der.time(new Date('2050-01-01T00:00:00.999Z'))).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(der.time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
  });

  it('uses long-form lengths past 127 bytes', () => {
    const long = der.octets(new Uint8Array(300));
    expect(hex(long.subarray(0, 4))).toBe('0482012c');
    expect(der.readWhole(long).content.length).toBe(300);
  });

  it('refuses truncated, indefinite-length and trailing-garbage input', () => {
    expect(() => der.readWhole(Uint8Array.of(0x30, 0x05, 0x01))).toThrow(der.DerError);
    expect(() => der.readWhole(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toThrow(/indefinite/);
    expect(() => der.readWhole(Uint8Array.of(0x05, 0x00, 0x00))).toThrow(/trailing/);
  });

  it('sorts SET OF members (X.690 §11.6)', () => {
    expect(hex(der.setOf(Uint8Array.of(0x02, 0x01, 0x05), Uint8Array.of(0x02, 0x01, 0x01)))).toBe('3106020101020105');
  });
});

describe('certificates', () => {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const root = signCertificate(
    { serial: randomSerial(new Uint8Array(16).fill(0xff)), subject: { commonName: 'Unit Root', organization: 'Lux' }, spki: spkiOf(ca.publicKey), notBefore: new Date(now), notAfter: new Date(now + 86_400_000), keyUsages: ['keyCertSign', 'cRLSign'], ca: {} },
    { self: ca.privateKey, keyType: 'ECDSA_P256' },
  );

  it('a serial from all-ones randomness is still a positive 16-byte integer', () => {
    expect(root.serial).toBe('7fffffffffffffffffffffffffffffff');
  });

  it('node parses a leaf with every SAN kind, the EKU and the issuer link', () => {
    const leafKey = generateKeyPairSync('ed25519');
    const leaf = signCertificate(
      {
        serial: randomSerial(new Uint8Array(16).fill(1)),
        subject: { commonName: 'unit.example.com' },
        spki: spkiOf(leafKey.publicKey),
        notBefore: new Date(now),
        notAfter: new Date(now + 3_600_000),
        keyUsages: ['digitalSignature'],
        extendedKeyUsages: [EKU.serverAuth, EKU.clientAuth],
        sans: parseSans(['unit.example.com', '*.unit.example.com', '192.0.2.1', '2001:db8::1', '::ffff:192.0.2.9', 'spiffe://lux/unit', 'ops@example.com']),
      },
      { certificate: root, key: ca.privateKey, keyType: 'ECDSA_P256' },
    );
    const x = new X509Certificate(Buffer.from(leaf.der));
    expect(x.subjectAltName).toBe('DNS:unit.example.com, DNS:*.unit.example.com, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:C000:209, URI:spiffe://lux/unit, email:ops@example.com');
    expect(x.keyUsage).toEqual([EKU.serverAuth, EKU.clientAuth]);
    expect(x.checkIssued(new X509Certificate(Buffer.from(root.der)))).toBe(true);
    expect(x.verify(ca.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(leaf.keyUsages).toEqual(['digitalSignature']);
  });

  it('encodes KeyUsage with no trailing zero bits: digitalSignature alone is 03 02 07 80', () => {
    expect(hex(root.der)).toContain('0603551d0f0101ff040403020106'); // keyCertSign + cRLSign: bits 5 and 6
    const k = generateKeyPairSync('ed25519');
    const leaf = signCertificate(
      { serial: '01', subject: { commonName: 'ku' }, spki: spkiOf(k.publicKey), notBefore: new Date(now), notAfter: new Date(now + 1000), keyUsages: ['digitalSignature'] },
      { certificate: root, key: ca.privateKey, keyType: 'ECDSA_P256' },
    );
    expect(hex(leaf.der)).toContain('0603551d0f0101ff04040302078');
  });

  it('a CRL without revocations leaves revokedCertificates out entirely', () => {
    const crl = signCrl({ certificate: root, key: ca.privateKey, keyType: 'ECDSA_P256' }, { number: 1, thisUpdate: new Date(now), nextUpdate: new Date(now + 1000), entries: [] });
    const [tbs] = der.children(der.readWhole(crl));
    // version, signature, issuer, thisUpdate, nextUpdate, [0] extensions
    expect(der.children(tbs!).map((n) => n.tag)).toEqual([0x02, 0x30, 0x30, 0x17, 0x17, 0xa0]);
  });
});
