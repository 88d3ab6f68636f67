/**
 * Across a gateway restart: tokens still authenticate (their hashes were stored), usage totals and the day's
 * budget spend are kept, so a restart cannot be used to reset a budget.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LuxKMS } from '../../../api/sdk/index.js';
import { startGateway } from '../../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { startFakeLlmProvider } from '../../helpers/fake-llm-provider.js';
import { ANTHROPIC_KEY, chat } from './ai-harness.js';

it('keeps tokens, usage and the budget window across a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'luxkms-ai-restart-'));
  const salt = generateSalt();
  const fake = await startFakeLlmProvider(ANTHROPIC_KEY);
  const open = async () => startGateway({ dataDir: dir, seal: await createSoftwareSeal({ passphrase: 'ai-restart-passphrase', salt }), logger: false, rateLimit: false });
  const post = (url: string, token: string, maxTokens: number) =>
    fetch(`${url}/v1/ai/anthropic/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(chat('claude-sonnet-4-20250514', { max_tokens: maxTokens })) });
  try {
    const first = await open();
    const kms = new LuxKMS({ apiKey: first.adminApiKey, baseUrl: first.url, environment: 'production' });
    await kms.secrets.create({ name: 'anthropic-key', value: ANTHROPIC_KEY });
    await kms.ai.configureProvider('anthropic', { style: 'anthropic', baseUrl: fake.baseUrl, credentialSecret: 'anthropic-key', currency: 'USD', prices: [{ model: 'claude-sonnet-4-*', input: '3.00', output: '15.00' }] });
    const token = await kms.ai.createToken({ model: 'claude-sonnet-4-20250514', scopes: ['chat'], budget: { maxSpend: '1.00', currency: 'USD', period: '1d' } });
    fake.usage = (body) => ({ input: 1000, output: Number(body.max_tokens) });
    expect((await post(first.url, token.token, 60_000)).status).toBe(200); // $0.003 + $0.90
    await first.close();

    const second = await open();
    const again = new LuxKMS({ apiKey: first.adminApiKey!, baseUrl: second.url, environment: 'production' });
    const usage = await again.ai.getUsage(token.id);
    expect(usage).toMatchObject({ requests: 1, inputTokens: 1000, outputTokens: 60_000, cost: '0.903' });
    expect(usage.budget).toMatchObject({ spent: '0.903', remaining: '0.097' });
    // The restart did not reset the day: a call that could cost $0.15 no longer fits.
    const refused = await post(second.url, token.token, 10_000);
    expect(refused.status).toBe(402);
    expect((await post(second.url, token.token, 100)).status).toBe(200);
    await second.close();
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});
