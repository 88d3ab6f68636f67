/** Request and response schemas of the secrets engine. */
import { Type, type Static } from '@sinclair/typebox';
import { ENVIRONMENT_NAME, OBJECT_NAME, PAGE_QUERY, TAGS, TIMESTAMP } from '../../server/schemas.js';

const VALUE = Type.String({ maxLength: 32_768, description: 'the secret value (UTF-8, at most 32 KiB)' });
const VERSION = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const IF_VERSION = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'check-and-set: 0 = must not exist, n = current version must be n' });

export const EnvParams = Type.Object({ environment: ENVIRONMENT_NAME });
export const SecretParams = Type.Object({ environment: ENVIRONMENT_NAME, name: OBJECT_NAME });
export const VersionParams = Type.Object({ environment: ENVIRONMENT_NAME, name: OBJECT_NAME, version: VERSION });

export const CreateBody = Type.Object({ name: OBJECT_NAME, value: VALUE, tags: Type.Optional(TAGS) }, { additionalProperties: false });
export const WriteBody = Type.Object({ value: VALUE, tags: Type.Optional(TAGS), ifVersion: Type.Optional(IF_VERSION) }, { additionalProperties: false });
export const RotateBody = Type.Object(
  { newValue: VALUE, notifyWebhook: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })), ifVersion: Type.Optional(IF_VERSION) },
  { additionalProperties: false },
);
export const GetQuery = Type.Object({ version: Type.Optional(VERSION) }, { additionalProperties: false });
export const ListQuery = Type.Object({ tags: Type.Optional(TAGS), ...PAGE_QUERY }, { additionalProperties: false });

export const SecretInfo = Type.Object(
  { name: Type.String(), environment: Type.String(), tags: Type.Array(Type.String()), version: Type.Integer(), createdAt: TIMESTAMP, updatedAt: TIMESTAMP },
);
export const Secret = Type.Composite([SecretInfo, Type.Object({ value: Type.String() })]);
export const RotateResult = Type.Composite([
  SecretInfo,
  Type.Object({ webhookDelivery: Type.Optional(Type.Object({ id: Type.String(), status: Type.String() })) }),
]);
export const VersionInfo = Type.Object({ version: Type.Integer(), createdAt: TIMESTAMP, destroyedAt: Type.Optional(TIMESTAMP) });
export const VersionList = Type.Object({ versions: Type.Array(VersionInfo) });
export const SecretPage = Type.Object({ secrets: Type.Array(SecretInfo), nextCursor: Type.Optional(Type.String()) });

export type EnvParamsT = Static<typeof EnvParams>;
export type SecretParamsT = Static<typeof SecretParams>;
export type VersionParamsT = Static<typeof VersionParams>;
