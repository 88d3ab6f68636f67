/**
 * The node's long-term Ed25519 identity: it is the libp2p peer id other members list in their cluster file, the
 * key Noise authenticates every connection with, and the key protocol messages are signed with.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import type { Ed25519PeerId, Ed25519PrivateKey, PublicKey } from '@libp2p/interface';
import { InternalError, InvalidInputError, MalformedError } from '../../protocols/errors.js';
import { describeValue } from './describe.js';

export interface PartyIdentity {
  readonly privateKey: Ed25519PrivateKey;
  /** Base58 peer id, the name other members use for this node. */
  readonly peerId: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** What the protocol layer needs to sign its messages, without holding the key itself. */
export interface MessageSigner {
  sign(bytes: Uint8Array): Uint8Array;
}

const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

/**
 * Loads the identity stored in `file`, or creates one there if the file does not exist. The key is written to a
 * temporary file first and renamed into place, so a crash never leaves a truncated key behind, and with mode 0600
 * because it is the node's authentication secret.
 */
export async function loadOrCreateIdentity(file: string): Promise<PartyIdentity> {
  if (typeof file !== 'string' || file.length === 0) {
    throw new TypeError(`"file" expected non-empty string, got ${describeValue(file)}`);
  }
  const existing = await readKeyFile(file);
  if (existing !== undefined) return identityFromKey(decodeKey(existing, file));
  const privateKey = await generateKeyPair('Ed25519');
  await writeKeyFileAtomically(file, privateKeyToProtobuf(privateKey));
  return identityFromKey(privateKey);
}

export function identityFromKey(privateKey: Ed25519PrivateKey): PartyIdentity {
  return {
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    publicKey: privateKey.publicKey.raw,
  };
}

/**
 * The node's own KeyObjects for Ed25519 keys, made once per key: libp2p's key objects import the key into the crypto
 * library again on every sign and verify, which costs more than the signature itself on the signing hot path.
 */
const signingKeys = new WeakMap<Ed25519PrivateKey, KeyObject>();
const verifyingKeys = new Map<string, KeyObject>();
/** Cluster members and approvers are few; the bound only stops a stream of strangers' keys from growing the map. */
const MAX_VERIFYING_KEYS = 1024;

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

function signingKey(privateKey: Ed25519PrivateKey): KeyObject {
  let key = signingKeys.get(privateKey);
  if (!key) {
    // libp2p's raw Ed25519 private key is the 32-byte seed followed by the 32-byte public key.
    const raw = privateKey.raw;
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64url(raw.subarray(0, 32)), x: base64url(privateKey.publicKey.raw) }, format: 'jwk' });
    signingKeys.set(privateKey, key);
  }
  return key;
}

function verifyingKey(raw: Uint8Array): KeyObject {
  const id = base64url(raw);
  let key = verifyingKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    if (verifyingKeys.size >= MAX_VERIFYING_KEYS) verifyingKeys.delete(verifyingKeys.keys().next().value!);
    verifyingKeys.set(id, key);
  }
  return key;
}

/** Ed25519 signature (64 bytes) over `bytes`. Domain separation is the caller's job. */
export function sign(privateKey: Ed25519PrivateKey, bytes: Uint8Array): Uint8Array {
  assertBytes('bytes', bytes);
  return new Uint8Array(nodeSign(null, bytes, signingKey(privateKey)));
}

export function createMessageSigner(privateKey: Ed25519PrivateKey): MessageSigner {
  return { sign: (bytes) => sign(privateKey, bytes) };
}

/**
 * Checks an Ed25519 signature. `partyPublicKey` is the party's peer id string, its libp2p public key, or the raw
 * 32-byte key. A signature of the wrong length is simply invalid (it came off the wire), so this returns false.
 */
export function verify(
  partyPublicKey: string | PublicKey | Uint8Array,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  const raw = partyPublicKey instanceof Uint8Array && partyPublicKey.length === ED25519_PUBLIC_KEY_BYTES ? partyPublicKey : toEd25519PublicKey(partyPublicKey).raw;
  assertBytes('bytes', bytes);
  assertBytes('signature', signature);
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  return nodeVerify(null, bytes, verifyingKey(raw), signature);
}

/** Parses a peer id string that must name an Ed25519 key (the only kind a party identity can be). */
export function parseEd25519PeerId(field: string, value: unknown): Ed25519PeerId {
  if (typeof value !== 'string') throw new TypeError(`"${field}" expected string, got ${describeValue(value)}`);
  let id;
  try {
    id = peerIdFromString(value);
  } catch {
    const shown = JSON.stringify(value.slice(0, 80));
    throw new InvalidInputError(`"${field}" expected a base58 libp2p peer id, got ${shown}`);
  }
  if (id.type !== 'Ed25519') {
    throw new InvalidInputError(`"${field}" expected an Ed25519 peer id, got a ${id.type} one`);
  }
  return id;
}

/** Raw 32-byte Ed25519 public key embedded in an Ed25519 peer id. */
export function publicKeyFromPeerId(peerId: string): Uint8Array {
  return toEd25519PublicKey(peerId).raw;
}

function toEd25519PublicKey(input: string | PublicKey | Uint8Array): PublicKey & { type: 'Ed25519' } {
  if (typeof input === 'string') return parseEd25519PeerId('peerId', input).publicKey;
  if (input instanceof Uint8Array) {
    if (input.length !== ED25519_PUBLIC_KEY_BYTES) {
      throw new RangeError(`"publicKey" expected ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${input.length}`);
    }
    const key = publicKeyFromRaw(input);
    if (key.type !== 'Ed25519') throw new InternalError(`32-byte raw key decoded as ${key.type}`);
    return key;
  }
  if (typeof input === 'object' && input !== null && 'type' in input) {
    if (input.type !== 'Ed25519') throw new InvalidInputError(`"publicKey" expected an Ed25519 key, got ${input.type}`);
    return input;
  }
  throw new TypeError(`"publicKey" expected peer id string, PublicKey or Uint8Array, got ${describeValue(input)}`);
}

async function readKeyFile(file: string): Promise<Uint8Array | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!info.isFile()) throw new InvalidInputError(`identity file ${file}: expected a regular file`);
  // Like ssh: a key others can read may already be copied, so refuse it rather than run with it.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new InvalidInputError(
      `identity file ${file}: expected mode 0600 (owner only), got 0${(info.mode & 0o777).toString(8)}`,
    );
  }
  return new Uint8Array(await readFile(file));
}

function decodeKey(bytes: Uint8Array, file: string): Ed25519PrivateKey {
  let key;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (err) {
    throw new MalformedError(`identity file ${file}: not a libp2p private key (${(err as Error).message})`);
  }
  if (key.type !== 'Ed25519') {
    throw new MalformedError(`identity file ${file}: expected an Ed25519 key, got ${key.type}`);
  }
  return key;
}

async function writeKeyFileAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable; some platforms cannot open a directory for fsync, which is fine to skip. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // best effort only
  } finally {
    await handle?.close();
  }
}

function assertBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array, got ${describeValue(value)}`);
}
