/** Request and response schemas of the SSH engine. */
import { Type, type Static } from '@sinclair/typebox';
import { ENVIRONMENT_NAME, TIMESTAMP } from '../../server/schemas.js';
import { SSH_KEY_TYPES } from './keys.js';
import { USER_EXTENSIONS } from './service.js';

export const EnvParams = Type.Object({ environment: ENVIRONMENT_NAME });
export const KeyParams = Type.Object({ environment: ENVIRONMENT_NAME, id: Type.String({ pattern: '^[0-9a-f]{16}$' }) });
export const CertParams = Type.Object({ environment: ENVIRONMENT_NAME, serial: Type.String({ pattern: '^[1-9][0-9]{0,19}$', description: 'decimal serial number' }) });

export const CreateKeyBody = Type.Object(
  { keyType: Type.String({ maxLength: 32, description: `one of ${SSH_KEY_TYPES.join(', ')}` }), comment: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
const CriticalOptions = Type.Object(
  {
    'force-command': Type.Optional(Type.String({ maxLength: 4096 })),
    'source-address': Type.Optional(Type.String({ maxLength: 4096, description: 'comma-separated addresses or CIDR blocks' })),
    'verify-required': Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const SignBody = Type.Object(
  {
    publicKey: Type.String({ maxLength: 16_384, description: 'an authorized_keys line: "<algorithm> <base64> [comment]"' }),
    certType: Type.Union([Type.Literal('user'), Type.Literal('host')]),
    principals: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 256, description: 'user names (user certificates) or host names (host certificates)' }),
    validity: Type.String({ maxLength: 16, description: '"8h", "30d", …' }),
    keyId: Type.Optional(Type.String({ maxLength: 256 })),
    criticalOptions: Type.Optional(CriticalOptions),
    extensions: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16, description: `user certificates: any of ${USER_EXTENSIONS.join(', ')}` })),
  },
  { additionalProperties: false },
);

export const Ca = Type.Object({ environment: Type.String(), keyType: Type.String(), publicKey: Type.String(), fingerprint: Type.String(), createdAt: TIMESTAMP });
const KeyFields = { id: Type.String(), environment: Type.String(), keyType: Type.String(), publicKey: Type.String(), fingerprint: Type.String(), comment: Type.String(), createdAt: TIMESTAMP };
export const KeyInfo = Type.Object(KeyFields);
export const CreatedKey = Type.Object({ ...KeyFields, privateKey: Type.String({ description: 'openssh-key-v1; returned this once, never stored' }) });
export const KeyList = Type.Object({ keys: Type.Array(KeyInfo) });
const CertFields = {
  serial: Type.String(),
  environment: Type.String(),
  certType: Type.String(),
  keyId: Type.String(),
  principals: Type.Array(Type.String()),
  validAfter: TIMESTAMP,
  validBefore: TIMESTAMP,
  criticalOptions: CriticalOptions,
  extensions: Type.Array(Type.String()),
  publicKeyFingerprint: Type.String(),
  caFingerprint: Type.String(),
  createdAt: TIMESTAMP,
  revokedAt: Type.Optional(TIMESTAMP),
};
export const CertificateSummary = Type.Object(CertFields);
export const Certificate = Type.Object({ ...CertFields, certificate: Type.String({ description: 'the -cert.pub line' }) });
export const CertificateList = Type.Object({ certificates: Type.Array(CertificateSummary) });
export const Krl = Type.Object({ environment: Type.String(), version: Type.Integer(), generatedAt: TIMESTAMP, revokedSerials: Type.Array(Type.String()), krl: Type.String({ description: 'base64 of the binary KRL' }) });

export type EnvParamsT = Static<typeof EnvParams>;
export type KeyParamsT = Static<typeof KeyParams>;
export type CertParamsT = Static<typeof CertParams>;
