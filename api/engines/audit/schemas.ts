/** Request and response schemas of the audit engine. */
import { Type, type Static } from '@sinclair/typebox';
import { PAGE_QUERY } from '../../server/schemas.js';

const ACTION = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });

export const ListQuery = Type.Object(
  {
    keyId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'records by this API key, or about the object with this id' })),
    actions: Type.Optional(Type.Array(ACTION, { maxItems: 32 })),
    from: Type.Optional(Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601; a date alone means its start (UTC)' })),
    to: Type.Optional(Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601; a date alone includes the whole day (UTC)' })),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);
export type ListQueryT = Static<typeof ListQuery>;

const NULLABLE_STRING = Type.Union([Type.String(), Type.Null()]);

export const AuditRecord = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  requestId: Type.String(),
  actor: NULLABLE_STRING,
  action: Type.String(),
  resource: Type.String(),
  environment: NULLABLE_STRING,
  result: Type.String({ enum: ['allowed', 'denied', 'rejected', 'failed'] }),
  code: Type.String(),
  sourceIp: Type.String(),
  method: Type.String(),
  path: Type.String(),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const AuditPage = Type.Object({ records: Type.Array(AuditRecord), nextCursor: Type.Optional(Type.String()) });

export const VerifyReport = Type.Object({
  valid: Type.Boolean(),
  records: Type.Integer(),
  headSeq: Type.Integer(),
  problems: Type.Array(Type.Object({ seq: Type.Integer(), problem: Type.String() })),
});
