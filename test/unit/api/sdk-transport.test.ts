/** The SDK transport against a local HTTP server: typed errors, and retries only for idempotent calls. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, ConflictError, ConnectionError, LuxKMS, RateLimitError, ServerError } from '../../../api/sdk/index.js';

let server: Server;
let baseUrl: string;
let hits: { method: string; url: string; headers: Record<string, unknown> }[] = [];
let answer: { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    const { status, headers, body, delayMs } = answer;
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    }, delayMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  hits = [];
});

const kms = (maxRetries = 2) => new LuxKMS({ apiKey: 'lkms_test', environment: 'staging', baseUrl, maxRetries });
const err = (status: number, code: string) => ({ status, body: { statusCode: status, code, message: `${code} happened`, requestId: 'req-1' } });

describe('SDK transport', () => {
  it('calls that run a ceremony wait up to ceremonyTimeoutMs; every other call times out at timeoutMs', async () => {
    answer = { status: 200, body: { id: 'w1' }, delayMs: 300 };
    const client = new LuxKMS({ apiKey: 'lkms_test', baseUrl, timeoutMs: 100, ceremonyTimeoutMs: 5_000, maxRetries: 0 });
    await expect(client.mpc.get('w1')).rejects.toBeInstanceOf(ConnectionError);
    await expect(client.mpc.generateWallet({ chain: 'polygon', threshold: 2, parties: 3 })).resolves.toEqual({ id: 'w1' });
    await expect(client.keys.create({ type: 'ECDSA_SECP256K1' })).resolves.toEqual({ id: 'w1' });
    await expect(client.keys.sign({ keyId: 'k1', message: 'hello' })).resolves.toEqual({ id: 'w1' });
    await expect(client.keys.rotate('k1')).resolves.toEqual({ id: 'w1' });
    await expect(client.keys.verify({ keyId: 'k1', message: 'hello', signature: '00' })).rejects.toBeInstanceOf(ConnectionError);
  });

  it('a ceremony timeout below the ordinary one is refused', () => {
    expect(() => new LuxKMS({ apiKey: 'lkms_test', baseUrl, timeoutMs: 10_000, ceremonyTimeoutMs: 5_000 })).toThrow('"ceremonyTimeoutMs" expected integer >= timeoutMs (10000), got 5000');
  });

  it('retries an idempotent read on 503, up to maxRetries', async () => {
    answer = err(503, 'audit_unavailable');
    const e = await kms(2).secrets.get('x').catch((x) => x);
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toMatchObject({ status: 503, code: 'audit_unavailable', requestId: 'req-1', message: 'audit_unavailable happened' });
    expect(hits).toHaveLength(3);
  });

  it('never retries a create or a rotation, which may already have happened', async () => {
    answer = err(503, 'audit_unavailable');
    await expect(kms(2).secrets.create({ name: 'x', value: 'y' })).rejects.toBeInstanceOf(ServerError);
    await expect(kms(2).secrets.rotate('x', { newValue: 'y' })).rejects.toBeInstanceOf(ServerError);
    expect(hits.map((h) => h.method)).toEqual(['POST', 'POST']);
  });

  it('does not retry caller errors, and types them by status', async () => {
    answer = err(409, 'version_conflict');
    await expect(kms().secrets.get('x')).rejects.toBeInstanceOf(ConflictError);
    answer = err(401, 'invalid_api_key');
    await expect(kms().audit.list()).rejects.toBeInstanceOf(AuthenticationError);
    expect(hits).toHaveLength(2);
  });

  it('honours retry-after on 429 and reports it', async () => {
    answer = { ...err(429, 'rate_limited'), headers: { 'retry-after': '0' } };
    const e = await kms(1).secrets.list().catch((x) => x);
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e.retryAfterSeconds).toBe(0);
    expect(hits).toHaveLength(2);
  });

  it('sends the key, the environment in the path, tags as repeated query parameters, and names encoded', async () => {
    answer = { status: 200, body: { secrets: [] } };
    await kms().secrets.list({ tags: ['a', 'b c'], limit: 5 });
    await kms().secrets.get('../../audit', { version: 2 }).catch(() => undefined);
    expect(hits[0]!.url).toBe('/v1/environments/staging/secrets?tags=a&tags=b+c&limit=5');
    expect(hits[0]!.headers.authorization).toBe('Bearer lkms_test');
    expect(hits[1]!.url).toBe('/v1/environments/staging/secrets/..%2F..%2Faudit?version=2');
  });

  it('sends the MFA code with withMfa', async () => {
    answer = { status: 200, body: { policies: [] } };
    await kms().withMfa('123456').policies.list();
    expect(hits[0]!.headers['x-kms-mfa']).toBe('123456');
  });

  it('a dead gateway is a ConnectionError with status 0', async () => {
    const dead = new LuxKMS({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1', maxRetries: 1 });
    const e = await dead.secrets.get('x').catch((x) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.status).toBe(0);
  });

  it('validates its own arguments before sending anything', () => {
    expect(() => new LuxKMS({ apiKey: '' })).toThrow(TypeError);
    expect(() => new LuxKMS({ apiKey: 'k', environment: 'Prod!' })).toThrow('"environment" expected lowercase letters, digits and dashes, got "Prod!"');
    expect(() => new LuxKMS({ apiKey: 'k', maxRetries: 99 })).toThrow('"maxRetries" expected integer 0..10, got 99');
    expect(() => kms().secrets.get('')).toThrow('"name" expected a non-empty string');
    expect(() => kms().secrets.destroyVersion('x', 0)).toThrow('"version" expected integer >= 1, got 0');
    expect(hits).toHaveLength(0);
  });

  it('accepts the brief\'s HSM-flavoured constructor (with the key from KMS_API_KEY)', () => {
    process.env.KMS_API_KEY = 'lkms_env';
    process.env.HSM_CLUSTER_ARN = 'arn:aws:cloudhsm:us-east-1:123:cluster/cluster-abc';
    try {
      const k = new LuxKMS({
        hsmProvider: 'aws-cloudhsm',
        clusterArn: process.env.HSM_CLUSTER_ARN,
      });
      expect(k.hsm).toEqual({ provider: 'aws-cloudhsm', clusterArn: 'arn:aws:cloudhsm:us-east-1:123:cluster/cluster-abc' });
    } finally {
      delete process.env.KMS_API_KEY;
      delete process.env.HSM_CLUSTER_ARN;
    }
  });
});
