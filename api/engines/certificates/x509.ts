/**
 * X.509 encoding: certificates, CRLs (RFC 5280) and PKCS#10 requests (RFC 2986), built with the DER
 * encoder in `der.ts` and signed with node's crypto. Everything above this module passes plain values
 * (names, dates, usages, key objects) and never touches ASN.1.
 */
import { createHash, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { invalid } from '../../server/errors.js';
import * as der from './der.js';
import { keySpec, pem, publicKeyFromSpki, type KeyType } from './key-types.js';
import type { San } from './names.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlDistributionPoints: '2.5.29.31',
  reasonCode: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', codeSigning: '1.3.6.1.5.5.7.3.3' } as const;

// Bit positions of KeyUsage (RFC 5280 §4.2.1.3).
export const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** 16 random bytes with the high bit clear and a non-zero first byte: a positive, minimally encoded serial. */
export function randomSerial(random: Uint8Array): string {
  const b = Buffer.from(random.subarray(0, 16));
  b[0] = (b[0]! & 0x7f) || 0x01;
  return b.toString('hex');
}

export interface SubjectName {
  commonName: string;
  organization?: string;
}

function encodeName(n: SubjectName): der.Der {
  const rdn = (type: string, value: string) => der.setOf(der.seq(der.oid(type), der.utf8(value)));
  return der.seq(...(n.organization ? [rdn(OID.organization, n.organization)] : []), rdn(OID.commonName, n.commonName));
}

function keyUsageBits(usages: readonly KeyUsage[]): der.Der {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KEY_USAGE_BITS.indexOf(u);
  // DER: no trailing zero bits, and the count of unused bits in the last byte says where they stop.
  let unused = 0;
  while (unused < 7 && !(bits & (1 << unused))) unused++;
  return der.bitString(Uint8Array.of(bits), unused);
}

function encodeSan(s: San): der.Der {
  switch (s.kind) {
    case 'email': return der.implicit(1, Buffer.from(s.value, 'ascii'));
    case 'dns': return der.implicit(2, Buffer.from(s.value, 'ascii'));
    case 'uri': return der.implicit(6, Buffer.from(s.value, 'ascii'));
    case 'ip': return der.implicit(7, ipBytes(s.value));
  }
}

function ipBytes(ip: string): Uint8Array {
  if (!ip.includes(':')) return Uint8Array.from(ip.split('.').map(Number));
  // Expand "::" into the missing zero groups, then write each 16-bit group.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (p: string | undefined) => (p ? p.split(':') : []);
  const parts = groups(head);
  const rest = groups(tail);
  const last = rest.length ? rest : parts;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") is two groups.
  if (last.length && last[last.length - 1]!.includes('.')) {
    const v4 = last.pop()!.split('.').map(Number);
    last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const all = tail === undefined ? parts : [...parts, ...Array(8 - parts.length - rest.length).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

const extension = (id: string, critical: boolean, value: der.Der) => der.seq(der.oid(id), ...(critical ? [der.bool(true)] : []), der.octets(value));

/** Subject key identifier, RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdOfSpki(spki: Uint8Array): Uint8Array {
  const [, bits] = der.children(der.readWhole(spki));
  return createHash('sha1').update(bits!.content.subarray(1)).digest();
}

export interface ParsedCertificate {
  der: Uint8Array;
  pem: string;
  /** The subject Name exactly as encoded, which children must repeat as their issuer. */
  subjectDer: Uint8Array;
  subject: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** The key identifier children name in their authority key identifier. */
  keyId: Uint8Array;
  isCa: boolean;
  keyUsages: KeyUsage[] | undefined;
}

export interface Issuer {
  certificate: ParsedCertificate;
  key: KeyObject;
  keyType: KeyType;
}

export interface CertificateTemplate {
  serial: string;
  subject: SubjectName;
  /** SubjectPublicKeyInfo DER of the key being certified. */
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  keyUsages: readonly KeyUsage[];
  extendedKeyUsages?: readonly string[];
  sans?: readonly San[];
  /** Present for CA certificates: the path length constraint (undefined = unlimited). */
  ca?: { pathLength?: number };
  /** Where the issuer's CRL is published (URIs); none means no CRL Distribution Points extension. */
  crlUrls?: readonly string[];
}

/**
 * CRLDistributionPoints (RFC 5280 §4.2.1.13): one DistributionPoint per URI, naming it as fullName.
 * distributionPoint [0] tags a CHOICE, so it is explicit; fullName [0] replaces the GeneralNames SEQUENCE tag.
 */
function crlDistributionPoints(urls: readonly string[]): der.Der {
  return der.seq(...urls.map((u) => der.seq(der.explicit(0, der.explicit(0, der.implicit(6, Buffer.from(u, 'ascii')))))));
}

/** Signs `t` with `issuer`; a root passes its own key and keyType and is self-signed. */
export function signCertificate(t: CertificateTemplate, issuer: Issuer | { self: KeyObject; keyType: KeyType }): ParsedCertificate {
  const self = 'self' in issuer;
  const signerType = issuer.keyType;
  const signerKey = self ? issuer.self : issuer.key;
  const subjectDer = encodeName(t.subject);
  const keyId = keyIdOfSpki(t.spki);
  const basic = t.ca ? der.seq(der.bool(true), ...(t.ca.pathLength === undefined ? [] : [der.smallInt(t.ca.pathLength)])) : der.seq();
  const extensions = [
    extension(OID.basicConstraints, true, basic),
    extension(OID.keyUsage, true, keyUsageBits(t.keyUsages)),
    ...(t.extendedKeyUsages?.length ? [extension(OID.extKeyUsage, false, der.seq(...t.extendedKeyUsages.map(der.oid)))] : []),
    ...(t.sans?.length ? [extension(OID.subjectAltName, false, der.seq(...t.sans.map(encodeSan)))] : []),
    extension(OID.subjectKeyIdentifier, false, der.octets(keyId)),
    extension(OID.authorityKeyIdentifier, false, der.seq(der.implicit(0, self ? keyId : issuer.certificate.keyId))),
    ...(t.crlUrls?.length ? [extension(OID.crlDistributionPoints, false, crlDistributionPoints(t.crlUrls))] : []),
  ];
  const algorithm = keySpec(signerType).signatureAlgorithm;
  const tbs = der.seq(
    der.explicit(0, der.smallInt(2)), // v3
    der.uint(Buffer.from(t.serial, 'hex')),
    algorithm,
    self ? subjectDer : issuer.certificate.subjectDer,
    der.seq(der.time(t.notBefore), der.time(t.notAfter)),
    subjectDer,
    t.spki,
    der.explicit(3, der.seq(...extensions)),
  );
  const signature = sign(keySpec(signerType).hash, tbs, signerKey);
  return parseCertificateDer(der.seq(tbs, algorithm, der.bitString(signature)));
}

export interface CrlEntry {
  serial: string;
  revokedAt: Date;
  /** RFC 5280 CRLReason code; 0 (unspecified) is left out of the entry, as §5.3.1 recommends. */
  reason: number;
}

export function signCrl(issuer: Issuer, input: { number: number; thisUpdate: Date; nextUpdate: Date; entries: readonly CrlEntry[] }): Uint8Array {
  const algorithm = keySpec(issuer.keyType).signatureAlgorithm;
  const entries = input.entries.map((e) =>
    der.seq(
      der.uint(Buffer.from(e.serial, 'hex')),
      der.time(e.revokedAt),
      ...(e.reason ? [der.seq(extension(OID.reasonCode, false, der.enumerated(e.reason)))] : []),
    ),
  );
  const tbs = der.seq(
    der.smallInt(1), // v2
    algorithm,
    issuer.certificate.subjectDer,
    der.time(input.thisUpdate),
    der.time(input.nextUpdate),
    // An empty revokedCertificates must be absent, not an empty SEQUENCE (RFC 5280 §5.1.2.6).
    ...(entries.length ? [der.seq(...entries)] : []),
    der.explicit(0, der.seq(
      extension(OID.authorityKeyIdentifier, false, der.seq(der.implicit(0, issuer.certificate.keyId))),
      extension(OID.crlNumber, false, der.smallInt(input.number)),
    )),
  );
  return der.seq(tbs, algorithm, der.bitString(sign(keySpec(issuer.keyType).hash, tbs, issuer.key)));
}

export function pemDecode(text: string, labels: readonly string[]): Uint8Array | undefined {
  for (const label of labels) {
    const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
    if (m) return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return undefined;
}

export function parseCertificate(text: string, field: string): ParsedCertificate {
  const bytes = pemDecode(text, ['CERTIFICATE']);
  if (!bytes) throw invalid('invalid_certificate', `"${field}" expected a PEM certificate`);
  try {
    return parseCertificateDer(bytes);
  } catch {
    throw invalid('invalid_certificate', `"${field}" is not a well-formed X.509 certificate`);
  }
}

function parseCertificateDer(bytes: Uint8Array): ParsedCertificate {
  const node = new X509Certificate(Buffer.from(bytes));
  const [tbs] = der.children(der.readWhole(bytes));
  const fields = der.children(tbs!);
  const at = fields[0]!.tag === 0xa0 ? 1 : 0; // version is optional (v1 certificates)
  const serialBytes = fields[at]!.content;
  const subjectDer = fields[at + 4]!.raw;
  const spki = fields[at + 5]!.raw;
  const exts = new Map<string, der.Node>();
  const extsField = fields.find((f) => f.tag === 0xa3);
  if (extsField) {
    for (const ext of der.children(der.children(extsField)[0]!)) {
      const parts = der.children(ext);
      exts.set(der.readOid(parts[0]!), der.readWhole(parts[parts.length - 1]!.content));
    }
  }
  const ski = exts.get(OID.subjectKeyIdentifier);
  const ku = exts.get(OID.keyUsage);
  return {
    der: bytes,
    pem: pem('CERTIFICATE', bytes),
    subjectDer: new Uint8Array(subjectDer),
    subject: node.subject,
    serial: Buffer.from(serialBytes).toString('hex').replace(/^(00)+(?=.)/, ''),
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    publicKey: node.publicKey,
    keyId: ski ? new Uint8Array(ski.content) : keyIdOfSpki(spki),
    isCa: node.ca,
    keyUsages: ku ? KEY_USAGE_BITS.filter((_, i) => (ku.content[1] ?? 0) & (0x80 >> i)) : undefined,
  };
}

/** Signature algorithms accepted on a CSR, by OID: the digest node's `verify` needs (null for Ed25519). */
const CSR_SIGNATURES: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

export interface ParsedCsr {
  commonName: string | undefined;
  sans: string[];
  publicKey: KeyObject;
  spki: Uint8Array;
}

/** Parses a PEM CSR and checks its self-signature: proof that the requester holds the private key. */
export function parseCsr(text: string): ParsedCsr {
  const malformed = () => invalid('invalid_csr', '"csr" expected a PEM-encoded PKCS#10 certificate request');
  const bytes = pemDecode(text, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (!bytes) throw malformed();
  let parsed: { info: der.Node; sigOid: string; signature: Uint8Array; subject: der.Node; spki: der.Node; attributes: der.Node | undefined };
  try {
    const [info, alg, sig] = der.children(der.readWhole(bytes));
    const [, subject, spki, attributes] = der.children(info!);
    parsed = { info: info!, sigOid: der.readOid(der.children(alg!)[0]!), signature: sig!.content.subarray(1), subject: subject!, spki: spki!, attributes };
  } catch {
    throw malformed();
  }
  const hash = CSR_SIGNATURES[parsed.sigOid];
  if (hash === undefined) throw invalid('invalid_csr', `"csr" is signed with an unsupported algorithm (${parsed.sigOid})`);
  const publicKey = publicKeyFromSpki(parsed.spki.raw, 'csr');
  let ok = false;
  try {
    ok = verify(hash, parsed.info.raw, publicKey, parsed.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('invalid_csr', '"csr" signature does not verify: the request was altered or not signed by its key');
  try {
    return { commonName: csrCommonName(parsed.subject), sans: csrSans(parsed.attributes), publicKey, spki: new Uint8Array(parsed.spki.raw) };
  } catch {
    throw malformed();
  }
}

function csrCommonName(name: der.Node): string | undefined {
  for (const rdn of der.children(name)) {
    for (const atv of der.children(rdn)) {
      const [type, value] = der.children(atv);
      if (der.readOid(type!) === OID.commonName) return der.readString(value!);
    }
  }
  return undefined;
}

const SAN_TAGS: Record<number, San['kind']> = { 0x81: 'email', 0x82: 'dns', 0x86: 'uri', 0x87: 'ip' };

function csrSans(attributes: der.Node | undefined): string[] {
  if (!attributes) return [];
  for (const attr of der.children(attributes)) {
    const [type, values] = der.children(attr);
    if (der.readOid(type!) !== OID.extensionRequest) continue;
    for (const ext of der.children(der.children(values!)[0]!)) {
      const parts = der.children(ext);
      if (der.readOid(parts[0]!) !== OID.subjectAltName) continue;
      return der.children(der.readWhole(parts[parts.length - 1]!.content)).flatMap((gn) => {
        const kind = SAN_TAGS[gn.tag];
        if (!kind) return [];
        return [kind === 'ip' ? ipText(gn.content) : Buffer.from(gn.content).toString('ascii')];
      });
    }
  }
  return [];
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < b.length; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':');
}
