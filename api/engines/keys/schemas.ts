/** Request and response schemas of the keys engine. Binary values travel as standard base64, signatures and MACs as hex. */
import { Type, type Static } from '@sinclair/typebox';
import { ENVIRONMENT_NAME, OBJECT_NAME, PAGE_QUERY, TAGS, TIMESTAMP } from '../../server/schemas.js';
import { KEY_TYPES, KEY_USAGES, PROTECTIONS, SIGNING_ALGORITHMS } from './key-types.js';

const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

const BASE64 = (description: string, maxLength = 65_536) => Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength, description });
const HEX = (description: string, maxLength = 2048) => Type.String({ pattern: '^([0-9a-fA-F]{2})+$', maxLength, description });
const DURATION = (description: string) => Type.String({ pattern: '^[1-9][0-9]{0,9}[smhd]$', description });
const VERSION = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const CONTEXT = Type.Record(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }), Type.String({ maxLength: 256 }), {
  maxProperties: 16,
  description: 'encryption context: bound to the ciphertext; the same map must be given to decrypt it',
});
const MESSAGE_TYPE = literals(['RAW', 'DIGEST'], 'RAW: the message itself; DIGEST: its SHA-256 (ECDSA only). Default for ECDSA: DIGEST when the message is 32 bytes, else RAW');
const AMOUNT = Type.Union([Type.String({ maxLength: 80 }), Type.Number({ minimum: 0 })], { description: 'value moved by what is signed, checked against "maxAmount" policy conditions' });
const WEBHOOK = Type.String({ minLength: 1, maxLength: 2048 });

export const EnvParams = Type.Object({ environment: ENVIRONMENT_NAME });
export const KeyParams = Type.Object({ environment: ENVIRONMENT_NAME, keyId: OBJECT_NAME });
export const StoredParams = Type.Object({ environment: ENVIRONMENT_NAME, keyId: OBJECT_NAME, name: OBJECT_NAME });
export type KeyParamsT = Static<typeof KeyParams>;
export type StoredParamsT = Static<typeof StoredParams>;

export const CreateBody = Type.Object(
  {
    keyId: Type.Optional(Type.String({ pattern: OBJECT_NAME.pattern, description: 'the key id (default: generated); policies match it as key:<id>' })),
    type: literals(KEY_TYPES),
    usage: Type.Optional(Type.Array(literals(KEY_USAGES), { minItems: 1, maxItems: 7, description: 'fixed at creation; one family: sign/verify, encrypt/decrypt/wrap/unwrap, or mac' })),
    protection: Type.Optional(literals(PROTECTIONS, 'where the key lives; default: threshold for ECDSA_SECP256K1, hsm when keyStore is given, else software')),
    keyStore: Type.Optional(Type.Object({ provider: Type.String({ minLength: 1, maxLength: 64 }), identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) }, { additionalProperties: false })),
    threshold: Type.Optional(Type.Object({ threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), parties: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), { minItems: 1, maxItems: 100 })) }, { additionalProperties: false })),
    rotation: Type.Optional(DURATION('automatic rotation interval, e.g. "90d" (strategy create-new)')),
    versionExpiry: Type.Optional(DURATION('how long a replaced version keeps verifying and decrypting (default 30d)')),
    description: Type.Optional(Type.String({ maxLength: 512 })),
    tags: Type.Optional(TAGS),
  },
  { additionalProperties: false },
);
export type CreateBodyT = Static<typeof CreateBody>;

export const ListQuery = Type.Object({ tags: Type.Optional(TAGS), ...PAGE_QUERY }, { additionalProperties: false });
export const PublicKeyQuery = Type.Object({ version: Type.Optional(VERSION) }, { additionalProperties: false });

export const SignBody = Type.Object(
  { message: BASE64('the message or digest, base64'), messageType: Type.Optional(MESSAGE_TYPE), algorithm: Type.Optional(literals(SIGNING_ALGORITHMS)), amount: Type.Optional(AMOUNT) },
  { additionalProperties: false },
);
export const VerifyBody = Type.Object(
  {
    message: BASE64('the message or digest, base64'),
    messageType: Type.Optional(MESSAGE_TYPE),
    algorithm: Type.Optional(literals(SIGNING_ALGORITHMS)),
    signature: HEX('the signature, hex'),
    keyVersion: Type.Optional(VERSION),
  },
  { additionalProperties: false },
);
export const EncryptBody = Type.Object({ plaintext: BASE64('data to encrypt, base64'), context: Type.Optional(CONTEXT) }, { additionalProperties: false });
export const DecryptBody = Type.Object({ ciphertext: Type.String({ minLength: 1, maxLength: 65_536 }), context: Type.Optional(CONTEXT) }, { additionalProperties: false });
export const WrapBody = Type.Object({ keyMaterial: BASE64('the key to wrap, base64', 8192), context: Type.Optional(CONTEXT) }, { additionalProperties: false });
export const MacBody = Type.Object({ message: BASE64('the message, base64') }, { additionalProperties: false });
export const VerifyMacBody = Type.Object({ message: BASE64('the message, base64'), mac: HEX('the MAC, hex', 128), keyVersion: Type.Optional(VERSION) }, { additionalProperties: false });
export const RotationBody = Type.Object(
  {
    interval: DURATION('rotation interval, e.g. "90d"'),
    strategy: Type.Optional(literals(['create-new', 'reencrypt'] as const, 'create-new: a new version only; reencrypt: also re-encrypt the ciphertexts stored under this key')),
    notifyWebhook: Type.Optional(WEBHOOK),
    versionExpiry: Type.Optional(DURATION('how long a replaced version keeps verifying and decrypting')),
  },
  { additionalProperties: false },
);
export const DeletionBody = Type.Object({ waitingPeriod: Type.Optional(DURATION('time before the key is erased (default 30d); cancel within it')) }, { additionalProperties: false });
export const StoreBody = Type.Object({ plaintext: BASE64('data (or key material) to keep encrypted under this key'), context: Type.Optional(CONTEXT) }, { additionalProperties: false });

const KeyVersion = Type.Object({
  version: Type.Integer(),
  state: literals(['active', 'retired', 'destroyed'] as const),
  createdAt: TIMESTAMP,
  retiredAt: Type.Optional(TIMESTAMP),
  expiresAt: Type.Optional(TIMESTAMP),
  destroyedAt: Type.Optional(TIMESTAMP),
  publicKey: Type.Optional(Type.String({ description: 'SPKI PEM' })),
  publicKeyHex: Type.Optional(Type.String({ description: 'ECDSA: SEC1 compressed point; Ed25519: the 32-byte key' })),
});

export const KeyInfo = Type.Object({
  id: Type.String(),
  environment: Type.String(),
  type: Type.String(),
  usage: Type.Array(Type.String()),
  protection: Type.String(),
  keyStore: Type.Optional(Type.Object({ id: Type.String(), provider: Type.String(), identifier: Type.Optional(Type.String()) })),
  threshold: Type.Optional(Type.Object({ threshold: Type.Integer(), parties: Type.Array(Type.Integer()) })),
  state: literals(['enabled', 'disabled', 'pending_deletion', 'deleted'] as const),
  description: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  createdAt: TIMESTAMP,
  updatedAt: TIMESTAMP,
  currentVersion: Type.Integer(),
  versionExpiry: Type.String(),
  versions: Type.Array(KeyVersion),
  rotation: Type.Optional(Type.Object({ interval: Type.String(), strategy: Type.String(), notifyWebhook: Type.Optional(Type.String()), nextRotationAt: TIMESTAMP })),
  deletionDate: Type.Optional(TIMESTAMP),
});
export const RotatedKey = Type.Composite([KeyInfo, Type.Object({ webhookDelivery: Type.Optional(Type.Object({ id: Type.String(), status: Type.String() })) })]);
export const KeyPage = Type.Object({ keys: Type.Array(KeyInfo), nextCursor: Type.Optional(Type.String()) });
export const PublicKey = Type.Composite([Type.Object({ keyId: Type.String(), type: Type.String() }), KeyVersion]);

export const SignResult = Type.Object({
  keyId: Type.String(),
  keyVersion: Type.Integer(),
  algorithm: Type.String(),
  messageType: Type.String(),
  signature: Type.String({ description: 'hex; ECDSA: low-s r‖s' }),
  recovery: Type.Optional(Type.Integer({ description: 'ECDSA recovery bit' })),
});
export const VerifyResult = Type.Object({ valid: Type.Boolean(), keyId: Type.String(), keyVersion: Type.Optional(Type.Integer()), algorithm: Type.String(), messageType: Type.String() });
export const EncryptResult = Type.Object({ keyId: Type.String(), keyVersion: Type.Integer(), ciphertext: Type.String({ description: 'lkms:<enc|wrap>:v<version>:<base64>' }) });
export const DecryptResult = Type.Object({ keyId: Type.String(), keyVersion: Type.Integer(), plaintext: Type.String() });
export const UnwrapResult = Type.Object({ keyId: Type.String(), keyVersion: Type.Integer(), keyMaterial: Type.String() });
export const RewrapResult = Type.Object({ keyId: Type.String(), keyVersion: Type.Integer(), previousVersion: Type.Integer(), ciphertext: Type.String() });
export const MacResult = Type.Object({ keyId: Type.String(), keyVersion: Type.Integer(), mac: Type.String() });
export const VerifyMacResult = Type.Object({ valid: Type.Boolean(), keyId: Type.String(), keyVersion: Type.Optional(Type.Integer()) });
export const StoredCiphertext = Type.Object({ name: Type.String(), keyVersion: Type.Integer(), ciphertext: Type.String(), context: Type.Optional(Type.Record(Type.String(), Type.String())), updatedAt: TIMESTAMP });
export const StoredList = Type.Object({ ciphertexts: Type.Array(StoredCiphertext) });
