/** Request and response schemas of the policies engine. */
import { Type, type Static } from '@sinclair/typebox';
import { API_KEY_ID, ENVIRONMENT_NAME, OBJECT_NAME } from '../../server/schemas.js';

const GLOB = Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$', description: 'glob: * any run, ? one character' });
// String first: with type coercion on, a Number-first union would turn "1000000.000000000000000001" into a
// float and round it under the cap. Numbers still pass (as their decimal text).
const AMOUNT = Type.Union([Type.String({ pattern: '^\\d{1,78}(\\.\\d{1,78})?$' }), Type.Number({ minimum: 0 })]);
const CIDR = Type.String({ minLength: 2, maxLength: 64 });

export const Conditions = Type.Object(
  {
    requireMFA: Type.Optional(Type.Boolean()),
    maxAmount: Type.Optional(AMOUNT),
    allowedIPs: Type.Optional(Type.Array(CIDR, { minItems: 1, maxItems: 64 })),
    environments: Type.Optional(Type.Array(ENVIRONMENT_NAME, { minItems: 1, maxItems: 64 })),
  },
  { additionalProperties: false },
);

export const Rule = Type.Object(
  {
    effect: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
    action: GLOB,
    resource: GLOB,
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false },
);

export const NameParams = Type.Object({ name: OBJECT_NAME });

export const CreateBody = Type.Object(
  { name: OBJECT_NAME, description: Type.Optional(Type.String({ maxLength: 1024 })), rules: Type.Array(Rule, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

export const Policy = Type.Object({
  name: Type.String(),
  description: Type.String(),
  rules: Type.Array(
    Type.Object({
      effect: Type.String(),
      action: Type.String(),
      resource: Type.String(),
      conditions: Type.Optional(
        Type.Object({
          requireMFA: Type.Optional(Type.Boolean()),
          maxAmount: Type.Optional(Type.String()),
          allowedIPs: Type.Optional(Type.Array(Type.String())),
          environments: Type.Optional(Type.Array(Type.String())),
        }),
      ),
    }),
  ),
  createdAt: Type.String(),
  builtIn: Type.Boolean(),
});

export const PolicyList = Type.Object({ policies: Type.Array(Policy) });

export const EvaluateBody = Type.Object(
  {
    apiKeyId: Type.Optional(API_KEY_ID),
    policies: Type.Optional(Type.Array(OBJECT_NAME, { maxItems: 64 })),
    action: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }),
    resource: Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }),
    environment: Type.Optional(ENVIRONMENT_NAME),
    sourceIp: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
    mfa: Type.Optional(Type.Union([Type.Literal('absent'), Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('not_enrolled')])),
    amount: Type.Optional(AMOUNT),
  },
  { additionalProperties: false },
);
export type EvaluateBodyT = Static<typeof EvaluateBody>;

export const Decision = Type.Object({
  allowed: Type.Boolean(),
  code: Type.String(),
  explanation: Type.String(),
  matches: Type.Array(
    Type.Object({ policy: Type.String(), rule: Type.Integer(), effect: Type.String(), applies: Type.Boolean(), failed: Type.Array(Type.String()) }),
  ),
});
