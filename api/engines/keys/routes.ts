/**
 * HTTP routes of the keys engine, under `/environments/:environment/keys`. Each route declares its action and
 * resource (`key:<id>`, or `key:*` for the collection) for the policy check and the audit; signing also declares
 * the amount it moves, so `maxAmount` conditions apply.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { AccessSpec } from '../../server/access.js';
import { NoContent, responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { KeysService } from './service.js';

const envOf = (req: FastifyRequest) => (req.params as { environment: string }).environment;
const itemAccess = (action: string): AccessSpec => ({ action, resource: (req) => `key:${(req.params as S.KeyParamsT).keyId}`, environment: envOf });
const tags = ['keys'];

export async function keysRoutes(app: FastifyInstance, opts: { keys: KeysService }): Promise<void> {
  const { keys } = opts;
  const base = '/environments/:environment/keys';
  const item = `${base}/:keyId`;

  /** A POST on one key: body schema, result schema, handler. */
  const operation = <B extends TSchema>(path: string, action: string, summary: string, body: B | undefined, result: TSchema, handler: (params: S.KeyParamsT, body: Static<B>) => Promise<unknown>, extra: Partial<AccessSpec> = {}) =>
    app.post<{ Params: S.KeyParamsT; Body: Static<B> }>(`${item}/${path}`, {
      schema: { tags, summary, params: S.KeyParams, ...(body ? { body } : {}), response: responses({ 200: result }) },
      config: { access: { ...itemAccess(action), ...extra } },
    }, async (req) => handler(req.params, req.body));

  app.post<{ Params: { environment: string }; Body: S.CreateBodyT }>(base, {
    schema: { tags, summary: 'Create a key (version 1) of a type, with usages fixed for its life', params: S.EnvParams, body: S.CreateBody, response: responses({ 201: S.KeyInfo }) },
    config: { access: { action: 'create', resource: (req) => `key:${(req.body as { keyId?: unknown } | undefined)?.keyId ?? '*'}`, environment: envOf } },
  }, async (req, reply) => reply.code(201).send(await keys.create({ environment: req.params.environment, ...req.body })));

  app.get<{ Params: { environment: string }; Querystring: Static<typeof S.ListQuery> }>(base, {
    schema: { tags, summary: 'List keys, filtered by tags', params: S.EnvParams, querystring: S.ListQuery, response: responses({ 200: S.KeyPage }) },
    config: { access: { action: 'list', resource: () => 'key:*', environment: envOf } },
  }, async (req) => keys.list(req.params.environment, req.query));

  app.get<{ Params: S.KeyParamsT }>(item, {
    schema: { tags, summary: 'Read a key: state, versions, public keys, rotation', params: S.KeyParams, response: responses({ 200: S.KeyInfo }) },
    config: { access: itemAccess('read') },
  }, async (req) => keys.get(req.params.environment, req.params.keyId));

  app.get<{ Params: S.KeyParamsT; Querystring: Static<typeof S.PublicKeyQuery> }>(`${item}/public-key`, {
    schema: { tags, summary: 'The public key of a version (default: the current one)', params: S.KeyParams, querystring: S.PublicKeyQuery, response: responses({ 200: S.PublicKey }) },
    config: { access: itemAccess('read') },
  }, async (req) => keys.publicKey(req.params.environment, req.params.keyId, req.query.version));

  operation('sign', 'sign', 'Sign a message or a digest with the current version', S.SignBody, S.SignResult,
    (p, { amount: _amount, ...b }) => keys.sign({ ...p, ...b }),
    { amount: (req) => (req.body as { amount?: number | string } | undefined)?.amount });
  operation('verify', 'verify', 'Verify a signature (any version that has not expired, or the one named)', S.VerifyBody, S.VerifyResult, (p, b) => keys.verify({ ...p, ...b }));
  operation('encrypt', 'encrypt', 'Encrypt with the current version; the ciphertext names its version', S.EncryptBody, S.EncryptResult, (p, b) => keys.encrypt({ ...p, ...b }));
  operation('decrypt', 'decrypt', 'Decrypt a ciphertext of any version that has not expired', S.DecryptBody, S.DecryptResult, (p, b) => keys.decrypt({ ...p, ...b }));
  operation('wrap', 'wrap', 'Wrap (encrypt) another key\'s material with the current version', S.WrapBody, S.EncryptResult,
    (p, { keyMaterial, ...b }) => keys.encrypt({ ...p, ...b, plaintext: keyMaterial }, 'wrap'));
  operation('unwrap', 'unwrap', 'Unwrap key material wrapped by any version that has not expired', S.DecryptBody, S.UnwrapResult, async (p, b) => {
    const { plaintext, ...rest } = await keys.decrypt({ ...p, ...b }, 'wrap');
    return { ...rest, keyMaterial: plaintext };
  });
  operation('rewrap', 'rewrap', 'Re-encrypt a ciphertext or wrapped key under the current version', S.DecryptBody, S.RewrapResult, (p, b) => keys.rewrap({ ...p, ...b }));
  operation('mac', 'mac', 'Compute an HMAC-SHA256 with the current version', S.MacBody, S.MacResult, (p, b) => keys.mac({ ...p, ...b }));
  operation('verify-mac', 'verify', 'Check an HMAC-SHA256 against any version that has not expired', S.VerifyMacBody, S.VerifyMacResult, (p, b) => keys.verifyMac({ ...p, ...b }));
  operation('rotate', 'rotate', 'Rotate now: a new version signs and encrypts; the old one retires until it expires', undefined, S.RotatedKey, (p) => keys.rotate(p.environment, p.keyId));
  operation('enable', 'enable', 'Enable a disabled key', undefined, S.KeyInfo, (p) => keys.setEnabled(p.environment, p.keyId, true));
  operation('disable', 'disable', 'Disable a key: every operation is refused until it is enabled again', undefined, S.KeyInfo, (p) => keys.setEnabled(p.environment, p.keyId, false));
  operation('schedule-deletion', 'delete', 'Schedule the key\'s erasure after a waiting period; it refuses every operation meanwhile', S.DeletionBody, S.KeyInfo,
    (p, b) => keys.scheduleDeletion(p.environment, p.keyId, b.waitingPeriod));
  operation('cancel-deletion', 'delete', 'Cancel a scheduled deletion; the key comes back disabled', undefined, S.KeyInfo, (p) => keys.cancelDeletion(p.environment, p.keyId));

  app.put<{ Params: S.KeyParamsT; Body: Static<typeof S.RotationBody> }>(`${item}/rotation`, {
    schema: { tags, summary: 'Configure automatic rotation: interval, strategy, webhook', params: S.KeyParams, body: S.RotationBody, response: responses({ 200: S.KeyInfo }) },
    config: { access: itemAccess('configure') },
  }, async (req) => keys.configureRotation({ ...req.params, ...req.body }));

  app.delete<{ Params: S.KeyParamsT }>(`${item}/rotation`, {
    schema: { tags, summary: 'Turn automatic rotation off', params: S.KeyParams, response: responses({ 200: S.KeyInfo }) },
    config: { access: itemAccess('configure') },
  }, async (req) => keys.disableRotation(req.params.environment, req.params.keyId));

  app.put<{ Params: S.StoredParamsT; Body: Static<typeof S.StoreBody> }>(`${item}/ciphertexts/:name`, {
    schema: { tags, summary: 'Encrypt and keep a ciphertext under this key (renewed by reencrypt rotations)', params: S.StoredParams, body: S.StoreBody, response: responses({ 200: S.StoredCiphertext }) },
    config: { access: itemAccess('encrypt') },
  }, async (req) => keys.putStored({ ...req.params, ...req.body }));

  app.get<{ Params: S.StoredParamsT }>(`${item}/ciphertexts/:name`, {
    schema: { tags, summary: 'Read a stored ciphertext (decrypt it with decrypt or unwrap)', params: S.StoredParams, response: responses({ 200: S.StoredCiphertext }) },
    config: { access: itemAccess('read') },
  }, async (req) => keys.getStored(req.params.environment, req.params.keyId, req.params.name));

  app.get<{ Params: S.KeyParamsT }>(`${item}/ciphertexts`, {
    schema: { tags, summary: 'List the ciphertexts stored under this key', params: S.KeyParams, response: responses({ 200: S.StoredList }) },
    config: { access: itemAccess('read') },
  }, async (req) => ({ ciphertexts: await keys.listStored(req.params.environment, req.params.keyId) }));

  app.delete<{ Params: S.StoredParamsT }>(`${item}/ciphertexts/:name`, {
    schema: { tags, summary: 'Delete a stored ciphertext', params: S.StoredParams, response: responses({ 204: NoContent }) },
    config: { access: itemAccess('delete') },
  }, async (req, reply) => {
    await keys.deleteStored(req.params.environment, req.params.keyId, req.params.name);
    return reply.code(204).send();
  });
}
