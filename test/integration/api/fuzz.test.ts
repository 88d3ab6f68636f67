/**
 * Property-based fuzz of every route: thousands of malformed params, query strings, bodies and headers,
 * sent with valid and invalid credentials. Every answer must be a 2xx/3xx or a 4xx in the one error format:
 * never a 5xx, never a crash. Uses the real LevelDB store (every request is audited, so the audit path is
 * fuzzed too).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../api/server/gateway.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { openLevelStore, type LevelKeyValueStore } from '../../../node/store/level-store.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const ROUTES: [Method, string][] = [
  ['POST', '/v1/environments/:environment/secrets'],
  ['GET', '/v1/environments/:environment/secrets'],
  ['GET', '/v1/environments/:environment/secrets/:name'],
  ['PUT', '/v1/environments/:environment/secrets/:name'],
  ['DELETE', '/v1/environments/:environment/secrets/:name'],
  ['POST', '/v1/environments/:environment/secrets/:name/rotate'],
  ['GET', '/v1/environments/:environment/secrets/:name/versions'],
  ['DELETE', '/v1/environments/:environment/secrets/:name/versions/:version'],
  ['GET', '/v1/audit'],
  ['GET', '/v1/audit/verify'],
  ['POST', '/v1/policies'],
  ['GET', '/v1/policies'],
  ['POST', '/v1/policies/evaluate'],
  ['GET', '/v1/policies/:name'],
  ['DELETE', '/v1/policies/:name'],
  ['POST', '/v1/api-keys'],
  ['GET', '/v1/api-keys'],
  ['GET', '/v1/api-keys/:id'],
  ['DELETE', '/v1/api-keys/:id'],
  ['POST', '/v1/api-keys/:id/mfa'],
  ['GET', '/v1/environments'],
  ['POST', '/v1/environments'],
  ['GET', '/v1/webhooks/deliveries/:id'],
  ['GET', '/v1/webhooks/signing-secret'],
  ['GET', '/v1/health'],
  ['GET', '/docs/json'],
];

const FIELDS = [
  'name', 'value', 'tags', 'ifVersion', 'newValue', 'notifyWebhook', 'rules', 'description', 'environments', 'policies',
  'action', 'resource', 'environment', 'sourceIp', 'mfa', 'amount', 'apiKeyId', '__proto__', 'constructor',
];
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const plausible = fc.constantFrom('production', 'staging', 'dev', 'stripe-api-key', '1', '0', '-1', '*', 'root', '0123456789abcdef',
  '10.0.0.0/8', '::1/128', '::ffff:1.2.3.4', '999999999999999999999999', '1e400', 'allow', 'deny', 'valid', 'http://127.0.0.1:1/x');
const scalar = fc.oneof(plausible, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const condition = fc.dictionary(fc.constantFrom('requireMFA', 'maxAmount', 'allowedIPs', 'environments', 'x'), fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })));
const rule = fc.dictionary(fc.constantFrom('action', 'resource', 'effect', 'conditions'), fc.oneof(scalar, condition));
const fieldValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.array(rule, { maxLength: 3 }), fc.anything());
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc.constant(undefined),
);
const segment = fc.oneof(plausible, fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.constantFrom('..', '%', '%zz', '%00', 'a%2Fb', '', ' ', '%E2%82'));
const query = fc.dictionary(fc.oneof(fc.constantFrom('limit', 'cursor', 'tags', 'version', 'keyId', 'actions', 'from', 'to'), printable), fc.oneof(scalar.map(String), fc.array(printable, { maxLength: 3 })), { maxKeys: 4 });

let dir: string;
let store: LevelKeyValueStore;
let gateway: Gateway;
let admin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'luxkms-fuzz-'));
  store = await openLevelStore(dir);
  const seal = await createSoftwareSeal({ passphrase: 'fuzz-passphrase', salt: generateSalt() });
  gateway = await createGateway({ store, seal, logger: false, rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } });
  admin = gateway.adminApiKey!;
  const auth = { authorization: `Bearer ${admin}` };
  await gateway.app.inject({ method: 'POST', url: '/v1/environments/production/secrets', headers: auth, payload: { name: 'stripe-api-key', value: 'x' } });
});
afterAll(async () => {
  await gateway.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('lists every route it fuzzes', () => {
  for (const [method, url] of ROUTES) expect(gateway.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
});

it('answers malformed input on every route with a 4xx in the error format, never a 5xx', async () => {
  const headers = fc.record(
    {
      authorization: fc.oneof(fc.constant(`Bearer ${admin}`), fc.constant(`Bearer ${admin}`), printable, printable.map((s) => `Bearer lkms_${s}`)),
      'content-type': fc.oneof(fc.constant('application/json'), fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'multipart/form-data', 'application/x-www-form-urlencoded'), printable),
      'x-kms-mfa': fc.oneof(printable, fc.stringMatching(/^\d{6}$/)),
      'x-api-key': printable,
      'x-forwarded-for': printable,
    },
    { requiredKeys: [] },
  );
  let runs = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: ROUTES.length - 1 }), fc.array(segment, { minLength: 4, maxLength: 4 }), query, body, headers, async (r, segs, q, payload, hdrs) => {
      const [method, template] = ROUTES[r]!;
      let i = 0;
      const path = template.replace(/:[a-z]+/g, () => segs[i++]!);
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) for (const item of [v].flat()) qs.append(k, item);
      const res = await gateway.app.inject({
        method,
        url: qs.size ? `${path}?${qs}` : path,
        headers: hdrs as Record<string, string>,
        ...(payload === undefined ? {} : { payload }),
      });
      runs++;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) throw new Error(`${method} ${path} -> ${res.statusCode}: ${res.body}`);
      if (res.statusCode >= 400) {
        const b = JSON.parse(res.body);
        expect(Object.keys(b).sort()).toEqual(['code', 'message', 'requestId', 'statusCode']);
        expect(b.statusCode).toBe(res.statusCode);
        expect(typeof b.code).toBe('string');
        expect(typeof b.message).toBe('string');
        expect(b.requestId).toBe(res.headers['x-request-id']);
      }
    }),
    { numRuns: 4000 },
  );
  expect(runs).toBe(4000);
  // The fuzz must reach handlers, not only bounce off authentication.
  const passed = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
  const invalid = statuses.get(400) ?? 0;
  expect(passed).toBeGreaterThan(100);
  expect(invalid).toBeGreaterThan(500);
  const report = await gateway.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: { authorization: `Bearer ${admin}` } });
  expect(JSON.parse(report.body)).toMatchObject({ valid: true });
  expect(JSON.parse(report.body).records).toBeGreaterThan(4000);
}, 240_000);
