/** Request and response schemas of API keys and environments. */
import { Type, type Static } from '@sinclair/typebox';
import { API_KEY_ID, ENVIRONMENT_NAME, OBJECT_NAME } from '../schemas.js';

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ maxLength: 128, pattern: '^[\\x20-\\x7e]*$' }),
    environments: Type.Array(Type.Union([ENVIRONMENT_NAME, Type.Literal('*')]), { minItems: 1, maxItems: 64 }),
    policies: Type.Array(OBJECT_NAME, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type CreateKeyBodyT = Static<typeof CreateKeyBody>;

export const KeyParams = Type.Object({ id: API_KEY_ID });

export const ApiKeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  environments: Type.Array(Type.String()),
  policies: Type.Array(Type.String()),
  createdAt: Type.String(),
  revokedAt: Type.Optional(Type.String()),
  mfaEnrolled: Type.Boolean(),
});

export const CreatedKey = Type.Object({
  apiKey: Type.String({ description: 'the token: shown only in this response' }),
  key: ApiKeyInfo,
});
export const KeyList = Type.Object({ keys: Type.Array(ApiKeyInfo) });
export const MfaEnrollment = Type.Object({ secret: Type.String({ description: 'base32 TOTP secret: shown only in this response' }), otpauthUrl: Type.String() });

export const EnvironmentParams = Type.Object({ name: ENVIRONMENT_NAME });
export const CreateEnvironmentBody = Type.Object(
  { name: ENVIRONMENT_NAME, description: Type.Optional(Type.String({ maxLength: 1024 })) },
  { additionalProperties: false },
);
export const Environment = Type.Object({ name: Type.String(), description: Type.String(), createdAt: Type.String() });
export const EnvironmentList = Type.Object({ environments: Type.Array(Environment) });
