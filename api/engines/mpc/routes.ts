/**
 * HTTP routes of the MPC wallets engine, under `/mpc/wallets`. Wallets are resources `key:<walletId>`, so one
 * policy (e.g. `sign` on `key:treasury-*` with `maxAmount`) governs threshold keys and wallets alike.
 *
 * The sign route builds the transaction in `preValidation`, before access control, so the policy check sees
 * the amount the transaction really moves and runs before any node is asked for anything. A build failure is
 * held back until the policy allowed the request: callers the policy refuses learn nothing about the wallet.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessSpec } from '../../server/access.js';
import { NoContent, responses } from '../../server/schemas.js';
import * as S from './schemas.js';
import type { MpcWalletService, Prepared, SignTransactionRequest } from './service.js';
import { formatUnits } from './units.js';

const tags = ['mpc'];
const walletOf = (req: FastifyRequest) => `key:${(req.params as S.WalletParamsT).walletId}`;
const access = (action: string): AccessSpec => ({ action, resource: walletOf });

export async function mpcRoutes(app: FastifyInstance, opts: { mpc: MpcWalletService }): Promise<void> {
  const { mpc } = opts;
  const prepared = new WeakMap<FastifyRequest, Prepared | Error>();

  app.post<{ Body: Static<typeof S.GenerateBody> }>('/mpc/wallets', {
    schema: { tags, summary: 'Generate a wallet: a t-of-n keygen ceremony on the cluster', body: S.GenerateBody, response: responses({ 201: S.Wallet }) },
    config: { access: { action: 'create', resource: (req) => `key:${(req.body as { id?: unknown } | undefined)?.id ?? '*'}` } },
  }, async (req, reply) => reply.code(201).send(await mpc.generateWallet(req.body)));

  app.get<{ Querystring: Static<typeof S.ListQuery> }>('/mpc/wallets', {
    schema: { tags, summary: 'List wallets', querystring: S.ListQuery, response: responses({ 200: S.WalletPage }) },
    config: { access: { action: 'list', resource: () => 'key:*' } },
  }, async (req) => mpc.list(req.query));

  app.get<{ Params: S.WalletParamsT }>('/mpc/wallets/:walletId', {
    schema: { tags, summary: 'Read a wallet', params: S.WalletParams, response: responses({ 200: S.Wallet }) },
    config: { access: access('read') },
  }, async (req) => mpc.get(req.params.walletId));

  app.delete<{ Params: S.WalletParamsT }>('/mpc/wallets/:walletId', {
    schema: {
      tags,
      summary: 'Delete a wallet: every node erases its key share for good',
      description: 'while a holder of the key is unreachable it fails with 503 and the wallet is kept; retrying is safe',
      params: S.WalletParams,
      response: responses({ 204: NoContent }),
    },
    config: { access: access('delete') },
  }, async (req, reply) => {
    await mpc.deleteWallet(req.params.walletId);
    return reply.code(204).send();
  });

  app.post<{ Params: S.WalletParamsT; Body: Static<typeof S.SignBody> }>('/mpc/wallets/:walletId/sign', {
    schema: {
      tags,
      summary: 'Build and threshold-sign a transaction (EVM EIP-1559/legacy, ERC-20, Bitcoin Taproot/SegWit)',
      description: 'maxAmount is compared with the amount moved, in whole units of its currency (e.g. 2.5 for 2.5 USDC)',
      params: S.WalletParams,
      body: S.SignBody,
      response: responses({ 200: S.SignedTransaction }),
    },
    preValidation: async (req) => {
      const { walletId } = req.params as { walletId?: unknown };
      const transaction = (req.body as { transaction?: unknown } | undefined)?.transaction;
      try {
        prepared.set(req, await mpc.prepare(String(walletId), (transaction ?? {}) as SignTransactionRequest));
      } catch (err) {
        prepared.set(req, err as Error);
      }
    },
    config: {
      access: {
        ...access('sign'),
        amount: (req) => {
          const p = prepared.get(req);
          return p && !(p instanceof Error) && p.amount ? formatUnits(p.amount.value, p.amount.decimals) : undefined;
        },
      },
    },
  }, async (req) => {
    const p = prepared.get(req);
    if (!p || p instanceof Error) throw p ?? new TypeError('sign request was not prepared');
    return mpc.sign(p);
  });

  app.post<{ Params: S.WalletParamsT; Body: Static<typeof S.SignHashBody> }>('/mpc/wallets/:walletId/sign-hash', {
    schema: {
      tags,
      summary: 'Threshold-sign a raw 32-byte digest (advanced)',
      description: 'carries no amount, so rules with maxAmount refuse it',
      params: S.WalletParams,
      body: S.SignHashBody,
      response: responses({ 200: S.SignedHash }),
    },
    config: { access: access('sign') },
  }, async (req) => mpc.signHash(req.params.walletId, req.body.hash));
}
