/**
 * OpenSSH certificates (PROTOCOL.certkeys): a subject public key with principals, a validity window,
 * critical options and extensions, signed by the environment's SSH CA. The certified key's fields are
 * copied from its public blob, so every key type sshd accepts can be certified without special cases.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { algorithmOf, publicBlob, publicKeyFields, sshSign } from './keys.js';
import { SshWriter } from './wire.js';

export const CERT_TYPES = { user: 1, host: 2 } as const;
export type CertType = keyof typeof CERT_TYPES;

export interface CertificateFields {
  subject: KeyObject;
  serial: bigint;
  type: CertType;
  keyId: string;
  principals: readonly string[];
  validAfter: Date;
  validBefore: Date;
  /** Name → value; a flag option has the empty string as value. */
  criticalOptions: Readonly<Record<string, string>>;
  extensions: readonly string[];
}

/** Options and extensions: sorted by name, each value wrapped as a string inside the data (empty for flags). */
function optionList(entries: [string, string][]): Uint8Array {
  const w = new SshWriter();
  for (const [name, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    w.string(name).string(value === '' ? new Uint8Array(0) : new SshWriter().string(value).bytes());
  }
  return w.bytes();
}

const seconds = (d: Date) => BigInt(Math.floor(d.getTime() / 1000));

/** The certificate as an `authorized_keys`-style line: `<type>-cert-v01@openssh.com <base64> <comment>`. */
export function signSshCertificate(f: CertificateFields, caKey: KeyObject, caPublic: KeyObject, comment: string): string {
  const certType = `${algorithmOf(f.subject)}-cert-v01@openssh.com`;
  const principals = new SshWriter();
  for (const p of f.principals) principals.string(p);
  const body = new SshWriter()
    .string(certType)
    .string(randomBytes(32)) // nonce: makes the signed data unpredictable to whoever chose the key
    .raw(publicKeyFields(f.subject))
    .uint64(f.serial)
    .uint32(CERT_TYPES[f.type])
    .string(f.keyId)
    .string(principals.bytes())
    .uint64(seconds(f.validAfter))
    .uint64(seconds(f.validBefore))
    .string(optionList(Object.entries(f.criticalOptions)))
    .string(optionList(f.extensions.map((e) => [e, ''])))
    .string('') // reserved
    .string(publicBlob(caPublic));
  const signed = body.string(sshSign(caKey, body.bytes())).bytes();
  return `${certType} ${Buffer.from(signed).toString('base64')} ${comment}`;
}
