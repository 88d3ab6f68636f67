/**
 * Sending a webhook: what a name resolves to is checked at send time, one private answer among public ones
 * refuses the send, and the connection goes to the very address that was checked (no second DNS query an
 * attacker could answer differently). A local receiver stands in for the target; the resolver is a
 * function so a test can give the answers a hostile DNS server would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, resolveTarget, WebhookTargetRefusedError, type Resolver } from '../../../api/engines/webhooks/deliver.js';
import { parseWebhookOptions } from '../../../api/engines/webhooks/options.js';

let receiver: Server;
let port: number;
const hits: { host: string | undefined; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ host: req.headers.host, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => receiver.close(r)));

/** A resolver that gives scripted answers, one per call, and counts the calls. */
function scripted(...answers: LookupAddress[][]): Resolver & { calls: number } {
  const resolve = async () => answers[Math.min(resolve.calls++, answers.length - 1)]!;
  resolve.calls = 0;
  return resolve;
}
const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const post = (url: string, allowPrivateTargets: boolean, resolve?: Resolver) =>
  postWebhook(new URL(url), { headers: { 'content-type': 'application/json' }, body: '{"ok":true}', signal: AbortSignal.timeout(2000), allowPrivateTargets, ...(resolve ? { resolve } : {}) });

describe('resolveTarget', () => {
  it('webhook to a name resolving to cloud metadata is refused', async () => {
    await expect(resolveTarget(new URL('https://hooks.example.com/'), false, scripted([v4('169.254.169.254')]))).rejects.toThrow(/resolves to 169\.254\.169\.254, which is the cloud metadata service/);
  });

  it('webhook to a name with one private answer among public ones is refused', async () => {
    const resolve = scripted([v4('93.184.216.34'), { address: '::ffff:10.0.0.7', family: 6 }]);
    await expect(resolveTarget(new URL('https://hooks.example.com/'), false, resolve)).rejects.toBeInstanceOf(WebhookTargetRefusedError);
  });

  it('webhook to localhost through the system resolver is refused at send time', async () => {
    await expect(resolveTarget(new URL(`http://localhost:${port}/`), false)).rejects.toThrow(/loopback/);
  });

  it('literal addresses are judged without DNS, and public answers pass', async () => {
    const resolve = scripted([v4('93.184.216.34')]);
    await expect(resolveTarget(new URL('http://[::1]/'), false, resolve)).rejects.toThrow(/::1 is loopback/);
    expect(await resolveTarget(new URL('https://hooks.example.com/'), false, resolve)).toEqual([v4('93.184.216.34')]);
    expect(resolve.calls).toBe(1);
  });
});

describe('postWebhook', () => {
  it('webhook to a DNS-rebinding name is refused: a private answer at send time stops it before any connection', async () => {
    hits.length = 0;
    // Public when the URL was registered, loopback now: only the answer at send time counts.
    const rebinding = scripted([v4('127.0.0.1')]);
    await expect(post(`http://rebind.example.com:${port}/hook`, false, rebinding)).rejects.toBeInstanceOf(WebhookTargetRefusedError);
    expect(hits).toHaveLength(0);
  });

  it('connects to the checked address itself, asking DNS once (a name DNS does not know still reaches it)', async () => {
    hits.length = 0;
    const resolve = scripted([v4('127.0.0.1')], [v4('169.254.169.254')]);
    expect(await post(`http://receiver.invalid:${port}/hook`, true, resolve)).toBe(204);
    expect(resolve.calls).toBe(1);
    expect(hits).toEqual([{ host: `receiver.invalid:${port}`, body: '{"ok":true}' }]);
  });

  it('posts to a private receiver only when private targets are allowed', async () => {
    hits.length = 0;
    await expect(post(`http://127.0.0.1:${port}/hook`, false)).rejects.toThrow(/127\.0\.0\.1 is loopback/);
    expect(hits).toHaveLength(0);
    expect(await post(`http://127.0.0.1:${port}/hook`, true)).toBe(204);
    expect(hits).toHaveLength(1);
  });
});

describe('parseWebhookOptions', () => {
  it('fills defaults: private targets are refused unless allowed', () => {
    expect(parseWebhookOptions(undefined)).toEqual({ maxAttempts: 6, baseDelayMs: 1000, timeoutMs: 5000, allowPrivateTargets: false });
    expect(parseWebhookOptions({ allowPrivateTargets: true, maxAttempts: 2 })).toEqual({ maxAttempts: 2, baseDelayMs: 1000, timeoutMs: 5000, allowPrivateTargets: true });
  });

  it('refuses a non-boolean allowPrivateTargets, a misspelt option and out-of-range numbers', () => {
    expect(() => parseWebhookOptions({ allowPrivateTargets: 'yes' })).toThrow(new TypeError('"webhooks.allowPrivateTargets" expected boolean, got "yes"'));
    expect(() => parseWebhookOptions({ allowPrivateTarget: true })).toThrow(/has no option "allowPrivateTarget"/);
    expect(() => parseWebhookOptions({ maxAttempts: 0 })).toThrow(new RangeError('"webhooks.maxAttempts" expected integer 1..100, got 0'));
    expect(() => parseWebhookOptions({ timeoutMs: '5s' })).toThrow(TypeError);
    expect(() => parseWebhookOptions([])).toThrow(TypeError);
  });
});
