/**
 * Schema pieces every engine shares: names, pagination, and the one error shape.
 * The patterns double as the path-safety rule: no name can contain `/`, so a name never escapes its
 * storage prefix.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const ENVIRONMENT_NAME = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'lowercase letters, digits, dashes' });
export const OBJECT_NAME = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' });
export const TAG = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' });
export const TAGS = Type.Array(TAG, { maxItems: 32 });
export const API_KEY_ID = Type.String({ pattern: '^[0-9a-f]{16}$' });
export const TIMESTAMP = Type.String({ format: 'date-time' });

export const PAGE_QUERY = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
};

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    message: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'ErrorResponse', description: 'The one error format of the API' },
);

/** Response map for a route: its success schemas plus the shared error shape for every 4xx and 5xx. */
export function responses(success: Record<number, TSchema>): Record<string, TSchema> {
  const errorRef = Type.Unsafe<Static<typeof ErrorResponse>>({ $ref: 'ErrorResponse#' });
  return { ...success, '4xx': errorRef, '5xx': errorRef };
}

export const NoContent = Type.Null({ description: 'no content' });
