/** Request and response schemas of the AI engine: tokens, providers, usage, and the proxy. */
import { Type, type Static } from '@sinclair/typebox';
import { ENVIRONMENT_NAME, OBJECT_NAME, TIMESTAMP } from '../../server/schemas.js';
import { API_STYLES } from './providers.js';
import { SCOPES } from './tokens.js';

const MODEL = Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$', description: 'model name; in token bindings also a glob (* any run, ? one character)' });
const DURATION = Type.String({ minLength: 2, maxLength: 12, description: 'one integer and a unit: "90s", "30m", "1h", "1d"' });
const MONEY = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,12})?$', description: 'decimal string, e.g. "100.00"' });
const PRICE = Type.String({ pattern: '^\\d{1,9}(\\.\\d{1,6})?$', description: 'per million tokens, decimal string, e.g. "3.00"' });
const CURRENCY = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
export const PROVIDER_NAME = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lowercase letters, digits, dashes' });
const SCOPE = Type.Union(SCOPES.map((s) => Type.Literal(s)));
const COUNT = Type.Integer({ minimum: 0 });

const RateLimit = Type.Object(
  {
    requests: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    period: DURATION,
    tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'model tokens (input + output) per period' })),
  },
  { additionalProperties: false },
);
const Budget = Type.Object({ maxSpend: MONEY, currency: CURRENCY, period: DURATION }, { additionalProperties: false });

export const TokenParams = Type.Object({ id: Type.String({ pattern: '^ait_[0-9a-f]{16}$' }) });
export type TokenParamsT = Static<typeof TokenParams>;

export const CreateTokenBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128, pattern: '^[\\x20-\\x7e]*$' })),
    environment: ENVIRONMENT_NAME,
    model: Type.Optional(MODEL),
    models: Type.Optional(Type.Array(MODEL, { minItems: 1, maxItems: 64 })),
    scopes: Type.Array(SCOPE, { minItems: 1, maxItems: SCOPES.length }),
    providers: Type.Optional(Type.Array(PROVIDER_NAME, { minItems: 1, maxItems: 32 })),
    rateLimit: Type.Optional(RateLimit),
    budget: Type.Optional(Budget),
    expiresIn: Type.Optional(DURATION),
    expiresAt: Type.Optional(TIMESTAMP),
  },
  { additionalProperties: false },
);
export type CreateTokenBodyT = Static<typeof CreateTokenBody>;

export const AiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  environment: Type.String(),
  models: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  providers: Type.Optional(Type.Array(Type.String())),
  rateLimit: Type.Optional(Type.Object({ requests: Type.Integer(), period: Type.String(), tokens: Type.Optional(Type.Integer()) })),
  budget: Type.Optional(Type.Object({ maxSpend: Type.String(), currency: Type.String(), period: Type.String() })),
  expiresAt: Type.Optional(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Optional(Type.String()),
});
export const CreatedToken = Type.Composite([AiToken, Type.Object({ token: Type.String({ description: 'the bearer token: shown only in this response' }) })]);
export const TokenList = Type.Object({ tokens: Type.Array(AiToken) });
export const ListTokensQuery = Type.Object({ environment: Type.Optional(ENVIRONMENT_NAME) }, { additionalProperties: false });

export const UsageQuery = Type.Object(
  {
    granularity: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
    from: Type.Optional(TIMESTAMP),
    to: Type.Optional(TIMESTAMP),
  },
  { additionalProperties: false },
);
export type UsageQueryT = Static<typeof UsageQuery>;

export const UsageReport = Type.Object({
  tokenId: Type.String(),
  currency: Type.String(),
  requests: COUNT,
  failedRequests: COUNT,
  unmeteredRequests: COUNT,
  inputTokens: COUNT,
  outputTokens: COUNT,
  tokens: COUNT,
  cost: Type.String(),
  budget: Type.Optional(
    Type.Object({
      maxSpend: Type.String(),
      currency: Type.String(),
      period: Type.String(),
      windowStart: Type.String(),
      windowEnd: Type.String(),
      spent: Type.String(),
      reserved: Type.String(),
      remaining: Type.String(),
    }),
  ),
  rateLimit: Type.Optional(
    Type.Object({ requests: Type.Integer(), period: Type.String(), used: COUNT, tokens: Type.Optional(Type.Integer()), tokensUsed: Type.Optional(COUNT) }),
  ),
  granularity: Type.String(),
  periods: Type.Array(
    Type.Object({ start: Type.String(), end: Type.String(), requests: COUNT, failedRequests: COUNT, inputTokens: COUNT, outputTokens: COUNT, tokens: COUNT, cost: Type.String() }),
  ),
});

export const ProviderParams = Type.Object({ name: PROVIDER_NAME });
export const ProviderBody = Type.Object(
  {
    style: Type.Union(API_STYLES.map((s) => Type.Literal(s))),
    baseUrl: Type.String({ minLength: 8, maxLength: 2048, description: 'e.g. https://api.openai.com/v1 or https://api.anthropic.com/v1' }),
    credentialSecret: OBJECT_NAME,
    currency: CURRENCY,
    prices: Type.Array(Type.Object({ model: MODEL, input: PRICE, output: PRICE }, { additionalProperties: false }), { maxItems: 500 }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type ProviderBodyT = Static<typeof ProviderBody>;

export const Provider = Type.Object({
  name: Type.String(),
  style: Type.String(),
  baseUrl: Type.String(),
  credentialSecret: Type.String({ description: 'name of the secret holding the key, read from the calling token\'s environment' }),
  currency: Type.String(),
  prices: Type.Array(Type.Object({ model: Type.String(), input: Type.String(), output: Type.String() })),
  timeoutMs: Type.Integer(),
  maxOutputTokens: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const ProviderList = Type.Object({ providers: Type.Array(Provider) });

export const ProxyParams = Type.Object({ provider: PROVIDER_NAME });
export type ProxyParamsT = Static<typeof ProxyParams>;
// Only what the gateway itself reads is checked; the rest is the provider's to judge.
export const ProxyBody = Type.Object({ model: MODEL, stream: Type.Optional(Type.Boolean()) }, { additionalProperties: true });
export const ProxyAnswer = Type.Unknown({ description: 'the provider\'s answer, passed through: JSON, or server-sent events when "stream" is true' });
