/**
 * The ciphertext format callers hold: `lkms:<purpose>:v<version>:<base64>`. The key version is inside, so
 * decryption picks the right version and `rewrap` knows what to replace; the purpose keeps a wrapped key from
 * being opened with `decrypt` (and data from being opened with `unwrap`) — it is also bound as associated data.
 *
 * Associated data: purpose, environment, key id, version and the caller's encryption context (sorted), so a
 * ciphertext moved to another key, version label or context fails to authenticate.
 */
import { invalid } from '../../server/errors.js';

export type CipherPurpose = 'enc' | 'wrap';

const TOKEN = /^lkms:(enc|wrap):v([1-9][0-9]{0,9}):([A-Za-z0-9+/]+={0,2})$/;
const MAX_TOKEN = 16_384;

export interface ParsedCiphertext {
  purpose: CipherPurpose;
  version: number;
  blob: Uint8Array;
}

export function formatCiphertext(purpose: CipherPurpose, version: number, blob: Uint8Array): string {
  return `lkms:${purpose}:v${version}:${Buffer.from(blob).toString('base64')}`;
}

export function parseCiphertext(token: string, expected: CipherPurpose): ParsedCiphertext {
  const m = token.length <= MAX_TOKEN ? TOKEN.exec(token) : null;
  if (!m) throw invalid('invalid_ciphertext', `"ciphertext" expected "lkms:${expected}:v<version>:<base64>", got ${JSON.stringify(token.slice(0, 40))}…`);
  if (m[1] !== expected) {
    throw invalid('invalid_ciphertext', `"ciphertext" is a ${m[1] === 'wrap' ? 'wrapped key (use unwrap)' : 'data ciphertext (use decrypt)'}, expected "lkms:${expected}:…"`);
  }
  return { purpose: m[1] as CipherPurpose, version: Number(m[2]), blob: new Uint8Array(Buffer.from(m[3]!, 'base64')) };
}

export function associatedData(purpose: CipherPurpose, environment: string, keyId: string, version: number, context: Record<string, string> | undefined): Uint8Array {
  const ctx = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new TextEncoder().encode(JSON.stringify(['luxkms/keys/v1', purpose, environment, keyId, version, ctx]));
}
