/**
 * A real gateway (see the API harness) plus two fake LLM providers on loopback ports: `anthropic` (Messages
 * API) and `router` (an OpenAI-compatible service that also serves Claude models, as routers do). Their keys
 * are stored as production secrets; prices are the public list prices per million tokens.
 */
import type { StartOptions } from '../../../api/server/gateway.js';
import { startFakeLlmProvider, type FakeProvider } from '../../helpers/fake-llm-provider.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';

export const ANTHROPIC_KEY = 'sk-ant-api03-FAKEanthropicKEY-0123456789abcdefghijklmnop';
export const ROUTER_KEY = 'sk-proj-FAKErouterKEY-0123456789abcdefghijklmnopqrstuv';

/** The brief's example token, as written. */
export const BRIEF_TOKEN = {
  model: 'claude-sonnet-4-20250514',
  scopes: ['chat', 'embeddings'],
  rateLimit: { requests: 1000, period: '1h' },
  budget: { maxSpend: '100.00', currency: 'USD', period: '1d' },
} as const;

export interface AiHarness extends Harness {
  anthropic: FakeProvider;
  router: FakeProvider;
  /** POST to `/v1/ai/<path>` with the AI token as bearer. */
  call(path: string, token: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  createBriefToken(): Promise<{ id: string; token: string }>;
}

export async function startAiHarness(options: Partial<StartOptions> = {}): Promise<AiHarness> {
  const h = await startHarness(options);
  const anthropic = await startFakeLlmProvider(ANTHROPIC_KEY);
  const router = await startFakeLlmProvider(ROUTER_KEY);
  await h.admin.secrets.create({ name: 'anthropic-key', value: ANTHROPIC_KEY, environment: 'production' });
  await h.admin.secrets.create({ name: 'router-key', value: ROUTER_KEY, environment: 'production' });
  await h.admin.ai.configureProvider('anthropic', {
    style: 'anthropic',
    baseUrl: anthropic.baseUrl,
    credentialSecret: 'anthropic-key',
    currency: 'USD',
    prices: [{ model: 'claude-sonnet-4-*', input: '3.00', output: '15.00' }],
    timeoutMs: 5000,
  });
  await h.admin.ai.configureProvider('router', {
    style: 'openai',
    baseUrl: router.baseUrl,
    credentialSecret: 'router-key',
    currency: 'USD',
    prices: [
      { model: 'claude-sonnet-4-*', input: '3.00', output: '15.00' },
      { model: 'gpt-4o', input: '2.50', output: '10.00' },
      { model: 'text-embedding-3-small', input: '0.02', output: '0' },
    ],
    timeoutMs: 5000,
  });
  return {
    ...h,
    anthropic,
    router,
    call: (path, token, body, headers = {}) =>
      fetch(`${h.url}/v1/ai/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    createBriefToken: async () => {
      const created = await h.admin.ai.createToken({ ...BRIEF_TOKEN, scopes: [...BRIEF_TOKEN.scopes] });
      return { id: created.id, token: created.token };
    },
    close: async () => {
      await h.close();
      await Promise.all([anthropic.close(), router.close()]);
    },
  };
}

export const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Which party holds the whole key?' }],
  ...extra,
});
