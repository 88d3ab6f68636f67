/**
 * 200 concurrent requests against a nearly spent budget. Each admitted stream is held open at the provider
 * until all 200 have been decided, so every reservation is made while the others are still outstanding:
 * exactly as many are admitted as fit in what remains, and the settled spend never passes the budget.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAiHarness, type AiHarness } from './ai-harness.js';

let h: AiHarness;
beforeAll(async () => {
  h = await startAiHarness();
});
afterAll(async () => {
  await h.close();
});

const PICO = 10n ** 12n;
const money = (text: string) => {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole!) * PICO + BigInt(frac.padEnd(12, '0'));
};

it('admits exactly what fits in the remaining budget and never overshoots it', async () => {
  const created = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], budget: { maxSpend: '1.00', currency: 'USD', period: '1d' } });
  const { id, token } = created;

  // Spend $0.950025: 10 in × $2.50/M + 95,000 out × $10/M.
  h.router.usage = (body) => ({ input: 10, output: Number(body.max_tokens) });
  const first = await h.call('router/chat/completions', token, { model: 'gpt-4o', max_tokens: 95_000, messages: [{ role: 'user', content: 'warm up' }] });
  expect(first.status).toBe(200);
  const before = await h.admin.ai.getUsage(id);
  expect(before.budget).toMatchObject({ spent: '0.950025', remaining: '0.049975' });

  const body = { model: 'gpt-4o', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'one more, please' }] };
  // Each admitted call will really use its whole cap: 500 in + 1000 out.
  h.router.usage = () => ({ input: 500, output: 1000 });
  const release = h.router.holdStreams();
  const callsBefore = h.router.calls.length;
  const pending = Array.from({ length: 200 }, () => h.call('router/chat/completions', token, body));
  // Refusals answer at once; admitted streams wait at the provider. Settle the refusals, then let the rest go.
  const responses = await Promise.all(pending);
  const admitted = responses.filter((r) => r.status === 200);
  const refused = responses.filter((r) => r.status !== 200);
  expect(new Set(refused.map((r) => r.status))).toEqual(new Set([402]));
  for (const r of refused) expect(((await r.json()) as { code: string }).code).toBe('budget_exceeded');

  // The worst case of one request: (body bytes + 1024 overhead) × $2.50/M + 1000 × $10/M.
  const forwarded = JSON.stringify({ ...body, stream_options: { include_usage: true } });
  const reservation = BigInt(Buffer.byteLength(forwarded) + 1024) * 2_500_000n + 1000n * 10_000_000n;
  const fit = Number(money('0.049975') / reservation);
  expect(fit).toBeGreaterThan(0);
  expect(admitted.length).toBe(fit);
  expect(h.router.calls.length - callsBefore).toBe(fit);
  const during = await h.admin.ai.getUsage(id);
  expect(money(during.budget!.reserved)).toBe(BigInt(fit) * reservation);
  expect(money(during.budget!.spent) + money(during.budget!.reserved)).toBeLessThanOrEqual(money('1.00'));

  release();
  await Promise.all(admitted.map((r) => r.text()));
  await expect.poll(async () => (await h.admin.ai.getUsage(id)).budget!.reserved).toBe('0.00');
  const after = await h.admin.ai.getUsage(id);
  const perCall = 500n * 2_500_000n + 1000n * 10_000_000n;
  expect(money(after.cost)).toBe(money('0.950025') + BigInt(fit) * perCall);
  expect(money(after.budget!.spent)).toBeLessThanOrEqual(money('1.00'));
  expect(after.requests).toBe(1 + fit);
});

it('keeps under the budget when calls settle while others are still arriving (real cost below the reservation)', async () => {
  const { id, token } = await h.admin.ai.createToken({ model: 'gpt-4o', scopes: ['chat'], budget: { maxSpend: '0.10', currency: 'USD', period: '1d' } });
  // Each call uses a fifth of its cap: a call arriving after another settled finds the freed room.
  h.router.usage = () => ({ input: 100, output: 200 });
  const body = { model: 'gpt-4o', max_tokens: 1000, messages: [{ role: 'user', content: 'short answer' }] };
  const responses = await Promise.all(Array.from({ length: 200 }, () => h.call('router/chat/completions', token, body)));
  const ok = responses.filter((r) => r.status === 200).length;
  expect(responses.every((r) => r.status === 200 || r.status === 402)).toBe(true);
  await Promise.all(responses.map((r) => r.arrayBuffer()));

  const usage = await h.admin.ai.getUsage(id);
  const perCall = 100n * 2_500_000n + 200n * 10_000_000n;
  expect(usage.requests).toBe(ok);
  expect(money(usage.cost)).toBe(BigInt(ok) * perCall);
  expect(money(usage.budget!.spent)).toBeLessThanOrEqual(money('0.10'));
  expect(usage.budget!.reserved).toBe('0.00');
  expect(ok).toBeGreaterThanOrEqual(7); // at least the 7 whole reservations that fit at once
});
