/**
 * OpenSSH key revocation lists (PROTOCOL.krl), as sshd's `RevokedKeys` and `ssh-keygen -Q` read them:
 * one certificates section for the environment's CA listing revoked serial numbers.
 */
import { SshWriter } from './wire.js';

const KRL_MAGIC = 0x5353484b524c0a00n; // "SSHKRL\n\0"
const KRL_FORMAT_VERSION = 1;
const KRL_SECTION_CERTIFICATES = 1;
const KRL_SECTION_CERT_SERIAL_LIST = 0x20;

export interface KrlInput {
  /** Grows with every change, so hosts can tell a newer list from an older one. */
  version: bigint;
  generatedAt: Date;
  comment: string;
  caPublicBlob: Uint8Array;
  revokedSerials: readonly bigint[];
}

export function encodeKrl(input: KrlInput): Uint8Array {
  const w = new SshWriter()
    .uint64(KRL_MAGIC)
    .uint32(KRL_FORMAT_VERSION)
    .uint64(input.version)
    .uint64(BigInt(Math.floor(input.generatedAt.getTime() / 1000)))
    .uint64(0n) // flags
    .string('') // reserved
    .string(input.comment);
  if (input.revokedSerials.length) {
    const serials = new SshWriter();
    for (const s of [...new Set(input.revokedSerials)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) serials.uint64(s);
    const section = new SshWriter().string(input.caPublicBlob).string('').byte(KRL_SECTION_CERT_SERIAL_LIST).string(serials.bytes());
    w.byte(KRL_SECTION_CERTIFICATES).string(section.bytes());
  }
  return w.bytes();
}
