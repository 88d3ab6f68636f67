/**
 * Keys generated here with node:crypto and kept only as barrier-encrypted bytes in the gateway's store. ECDSA
 * signs digests (so both message types work) through the curve module; everything else is OpenSSL via node:crypto.
 */
import { constants, createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, publicEncrypt, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { BackendSignature, KeyBackend, Generated, GenerateRequest, SignInput } from './backend.js';
import { decryptionFailed } from './backend.js';
import { signDigest } from './ecdsa.js';
import { RSA_BITS, type KeyType, type SigningAlgorithm } from './key-types.js';
import type { Material } from './records.js';

const generatePair = promisify(generateKeyPair);
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PSS_SALT_BYTES = 32;

function secretOf(material: Material): Buffer {
  if (material.kind !== 'software') throw new TypeError(`software backend given ${material.kind} material`);
  return Buffer.from(material.secret, 'base64');
}

const privateKeyOf = (material: Material): KeyObject => createPrivateKey({ key: secretOf(material), format: 'der', type: 'pkcs8' });

export function rsaPadding(algorithm: SigningAlgorithm): { padding: number; saltLength?: number } {
  return algorithm === 'RSASSA_PSS_SHA256' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES } : { padding: constants.RSA_PKCS1_PADDING };
}

export class SoftwareBackend implements KeyBackend {
  async generate(request: GenerateRequest): Promise<Generated> {
    const { type } = request;
    if (type === 'AES_256_GCM' || type === 'HMAC_SHA256') return { material: { kind: 'software', secret: randomBytes(32).toString('base64') } };
    const bits = RSA_BITS[type];
    // Off the main thread: an RSA-4096 prime search takes long enough to stall every other request.
    const { privateKey, publicKey } = bits
      ? await generatePair('rsa', { modulusLength: bits, publicExponent: 65537 })
      : type === 'ED25519'
        ? await generatePair('ed25519')
        : await generatePair('ec', { namedCurve: type === 'ECDSA_P256' ? 'prime256v1' : 'secp256k1' });
    return { material: { kind: 'software', secret: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') }, publicKey };
  }

  async sign(type: KeyType, material: Material, algorithm: SigningAlgorithm, input: SignInput): Promise<BackendSignature> {
    const key = privateKeyOf(material);
    if (algorithm === 'ECDSA_SHA256') return { bytes: signDigest(type, input.digest, Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url')) };
    if (!input.message) throw new TypeError(`${algorithm} signs messages, not digests`);
    if (algorithm === 'ED25519') return { bytes: sign(null, input.message, key) };
    return { bytes: sign('sha256', input.message, { key, ...rsaPadding(algorithm) }) };
  }

  async encrypt(type: KeyType, material: Material, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    if (type !== 'AES_256_GCM') {
      // RSA-OAEP with SHA-256; the associated data is the OAEP label, so it is bound the same way as under GCM.
      return publicEncrypt({ key: createPublicKey(privateKeyOf(material)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: associatedData }, plaintext);
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', secretOf(material), iv);
    cipher.setAAD(associatedData);
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  async decrypt(type: KeyType, material: Material, blob: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    try {
      if (type !== 'AES_256_GCM') return privateDecrypt({ key: privateKeyOf(material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: associatedData }, blob);
      if (blob.length < IV_BYTES + TAG_BYTES) throw decryptionFailed();
      const decipher = createDecipheriv('aes-256-gcm', secretOf(material), blob.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData);
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  }

  async mac(_type: KeyType, material: Material, data: Uint8Array): Promise<Uint8Array> {
    return createHmac('sha256', secretOf(material)).update(data).digest();
  }

  async destroy(): Promise<void> {
    // Nothing outside the store: the service deletes the barrier-encrypted bytes.
  }
}
