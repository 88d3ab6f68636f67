/**
 * SSH keys in OpenSSH's formats: the public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709), the
 * `authorized_keys` line, SHA-256 fingerprints as `ssh-keygen -l` prints them, the unencrypted
 * `openssh-key-v1` private key file, and SSH signatures (RFC 8332 rsa-sha2-512, RFC 5656, RFC 8709).
 * Key material comes from and goes to node's KeyObjects through JWK, so no curve math lives here.
 */
import { createHash, createPublicKey, generateKeyPair, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { GatewayError, invalid } from '../../server/errors.js';
import { SshReader, SshWriter } from './wire.js';

export const SSH_KEY_TYPES = ['ED25519', 'ECDSA_P256', 'ECDSA_P384', 'RSA_3072', 'RSA_4096'] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

const generate = promisify(generateKeyPair) as unknown as (type: string, options: object) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
const GENERATORS: Record<SshKeyType, () => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>> = {
  ED25519: () => generate('ed25519', {}),
  ECDSA_P256: () => generate('ec', { namedCurve: 'P-256' }),
  ECDSA_P384: () => generate('ec', { namedCurve: 'P-384' }),
  RSA_3072: () => generate('rsa', { modulusLength: 3072, publicExponent: 65537 }),
  RSA_4096: () => generate('rsa', { modulusLength: 4096, publicExponent: 65537 }),
};

export function requireSshKeyType(value: string): SshKeyType {
  if (!(SSH_KEY_TYPES as readonly string[]).includes(value)) throw invalid('unsupported_key_type', `"keyType" expected one of ${SSH_KEY_TYPES.join(', ')}, got "${value.slice(0, 40)}"`);
  return value as SshKeyType;
}

export const generateSshKey = (type: SshKeyType) => GENERATORS[type]();

// OpenSSH's names for the NIST curves, and the digest each ECDSA key signs with (RFC 5656 §6.2.1).
const CURVES: Record<string, { ssh: string; hash: string; bytes: number }> = {
  'P-256': { ssh: 'nistp256', hash: 'sha256', bytes: 32 },
  'P-384': { ssh: 'nistp384', hash: 'sha384', bytes: 48 },
  'P-521': { ssh: 'nistp521', hash: 'sha512', bytes: 66 },
};
const MIN_RSA_BITS = 2048;

const b64u = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' }) as JsonWebKey;

/** The SSH algorithm name of a key: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, … */
export function algorithmOf(key: KeyObject): string {
  const jwk = jwkOf(key);
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'ssh-ed25519';
  if (jwk.kty === 'EC' && CURVES[jwk.crv!]) return `ecdsa-sha2-${CURVES[jwk.crv!]!.ssh}`;
  if (jwk.kty === 'RSA') return 'ssh-rsa';
  throw new TypeError(`unsupported SSH key (${jwk.kty} ${jwk.crv ?? ''})`);
}

/** The key's fields after its algorithm name: what both public blobs and certificates carry. */
function publicFields(key: KeyObject, w: SshWriter): SshWriter {
  const jwk = jwkOf(key);
  if (jwk.kty === 'OKP') return w.string(b64u(jwk.x));
  if (jwk.kty === 'EC') return w.string(CURVES[jwk.crv!]!.ssh).string(Buffer.concat([Uint8Array.of(4), b64u(jwk.x), b64u(jwk.y)]));
  return w.mpint(b64u(jwk.e)).mpint(b64u(jwk.n));
}

export function publicBlob(key: KeyObject): Uint8Array {
  return publicFields(key, new SshWriter().string(algorithmOf(key))).bytes();
}

/** The blob without its leading algorithm string (certificates put a nonce in between). */
export function publicKeyFields(key: KeyObject): Uint8Array {
  return publicFields(key, new SshWriter()).bytes();
}

export function authorizedKeyLine(key: KeyObject, comment?: string): string {
  return `${algorithmOf(key)} ${Buffer.from(publicBlob(key)).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** `SHA256:<unpadded base64>`, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** An unencrypted `openssh-key-v1` private key file (OpenSSH's PROTOCOL.key). */
export function privateKeyFile(privateKey: KeyObject, comment: string): string {
  const publicKey = createPublicKey(privateKey);
  const jwk = jwkOf(privateKey);
  const check = randomBytes(4).readUInt32BE();
  const w = new SshWriter().uint32(check).uint32(check).string(algorithmOf(publicKey));
  if (jwk.kty === 'OKP') {
    const pub = b64u(jwk.x);
    // OpenSSH keeps the 32-byte seed followed by the public key as the "private key".
    w.string(pub).string(Buffer.concat([b64u(jwk.d), pub]));
  } else if (jwk.kty === 'EC') {
    publicFields(publicKey, w).mpint(b64u(jwk.d));
  } else {
    w.mpint(b64u(jwk.n)).mpint(b64u(jwk.e)).mpint(b64u(jwk.d)).mpint(b64u(jwk.qi)).mpint(b64u(jwk.p)).mpint(b64u(jwk.q));
  }
  w.string(comment);
  // Pad to the cipher block size (8 for "none") with 1, 2, 3, …, which readers check.
  for (let i = 1; w.length % 8 !== 0; i++) w.byte(i);
  const body = new SshWriter()
    .raw(Buffer.from('openssh-key-v1\0', 'latin1'))
    .string('none')
    .string('none')
    .string('')
    .uint32(1)
    .string(publicBlob(publicKey))
    .string(w.bytes())
    .bytes();
  const b64 = Buffer.from(body).toString('base64').replace(/(.{70})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export interface ParsedPublicKey {
  algorithm: string;
  blob: Uint8Array;
  key: KeyObject;
  comment: string | undefined;
}

/** Parses an `authorized_keys`-style line, checking the blob is a well-formed key of the named algorithm. */
export function parsePublicKeyLine(line: string, field: string): ParsedPublicKey {
  const fail = (why: string) => invalid('invalid_public_key', `"${field}" ${why}`);
  const [algorithm, b64, ...rest] = line.trim().split(/\s+/);
  if (!algorithm || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) throw fail('expected "<algorithm> <base64 key> [comment]"');
  if (algorithm.includes('-cert-')) throw fail('is a certificate; pass the plain public key');
  const blob = new Uint8Array(Buffer.from(b64, 'base64'));
  let key: KeyObject;
  try {
    const r = new SshReader(blob);
    const inner = r.text();
    if (inner !== algorithm) throw fail(`names "${algorithm.slice(0, 40)}" but its key is "${inner.slice(0, 40)}"`);
    let jwk: JsonWebKey;
    if (algorithm === 'ssh-ed25519') {
      jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(r.string()).toString('base64url') };
    } else if (algorithm.startsWith('ecdsa-sha2-')) {
      const crv = Object.keys(CURVES).find((c) => `ecdsa-sha2-${CURVES[c]!.ssh}` === algorithm);
      if (!crv || r.text() !== CURVES[crv]!.ssh) throw fail(`has an unsupported or mismatched curve`);
      const q = r.string();
      const n = CURVES[crv]!.bytes;
      if (q.length !== 1 + 2 * n || q[0] !== 4) throw fail('has a malformed EC point');
      jwk = { kty: 'EC', crv, x: Buffer.from(q.subarray(1, 1 + n)).toString('base64url'), y: Buffer.from(q.subarray(1 + n)).toString('base64url') };
    } else if (algorithm === 'ssh-rsa') {
      const e = r.string();
      const n = r.string();
      jwk = { kty: 'RSA', e: Buffer.from(e).toString('base64url'), n: Buffer.from(n).toString('base64url') };
    } else {
      throw fail(`has unsupported algorithm "${algorithm.slice(0, 40)}"; expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa`);
    }
    if (!r.done) throw fail('has trailing bytes after the key');
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw fail('is not a well-formed SSH public key');
  }
  if (algorithm === 'ssh-rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw fail(`is an RSA key under ${MIN_RSA_BITS} bits`);
  return { algorithm, blob, key, comment: rest.length ? rest.join(' ') : undefined };
}

/** An SSH signature blob over `data`: `string algorithm, string signature`. RSA signs with rsa-sha2-512. */
export function sshSign(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const jwk = jwkOf(createPublicKey(privateKey));
  if (jwk.kty === 'OKP') return new SshWriter().string('ssh-ed25519').string(sign(null, data, privateKey)).bytes();
  if (jwk.kty === 'RSA') return new SshWriter().string('rsa-sha2-512').string(sign('sha512', data, privateKey)).bytes();
  const curve = CURVES[jwk.crv!]!;
  const rs = sign(curve.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const half = rs.length / 2;
  const inner = new SshWriter().mpint(rs.subarray(0, half)).mpint(rs.subarray(half)).bytes();
  return new SshWriter().string(`ecdsa-sha2-${curve.ssh}`).string(inner).bytes();
}
