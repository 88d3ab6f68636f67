/** Request and response schemas of the MPC wallets engine. */
import { Type, type Static } from '@sinclair/typebox';
import { PAGE_QUERY, TIMESTAMP } from '../../server/schemas.js';
import { CHAINS } from './chains.js';

const literals = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});
// String first: with type coercion on, a number-first union would turn a long decimal into a rounded float.
const UNITS = Type.Union([Type.String({ pattern: '^(0|[1-9]\\d{0,77}|0x[0-9a-fA-F]{1,64})$' }), Type.Integer({ minimum: 0 })], {
  description: 'integer in base units (wei, token base units, satoshi): decimal string, 0x hex, or a safe integer',
});
const WALLET_ID = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'wallet id; also the cluster key id' });
const PARTY = Type.Integer({ minimum: 1, maximum: 256 });
const EVM_ADDRESS = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });
const U32 = Type.Integer({ minimum: 0, maximum: 0xffffffff });

export const WalletParams = Type.Object({ walletId: WALLET_ID });
export type WalletParamsT = Static<typeof WalletParams>;

export const GenerateBody = Type.Object(
  {
    chain: literals(CHAINS, 'ethereum, polygon and other EVM chains ("evm" with chainId for any other), or bitcoin, bitcoin-testnet, bitcoin-regtest'),
    currency: Type.Optional(Type.String({ minLength: 1, maxLength: 16, pattern: '^[A-Za-z0-9.]+$', description: "native currency (default) or a token, e.g. USDC" })),
    threshold: Type.Integer({ minimum: 1, maximum: 256, description: 'minimum number of signers (2 in a 2-of-3)' }),
    parties: Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Array(PARTY, { minItems: 1, maxItems: 256 })], { description: 'how many nodes hold a share, or which ones' }),
    id: Type.Optional(WALLET_ID),
    chainId: Type.Optional(Type.Integer({ minimum: 1 })),
    token: Type.Optional(Type.Object({ contract: EVM_ADDRESS, decimals: Type.Integer({ minimum: 0, maximum: 36 }) }, { additionalProperties: false })),
    addressType: Type.Optional(Type.Union([Type.Literal('taproot'), Type.Literal('segwit')], { description: 'Bitcoin: taproot (FROST, default) or segwit (CGGMP21, P2WPKH)' })),
  },
  { additionalProperties: false },
);

export const Wallet = Type.Object({
  id: Type.String(),
  chain: Type.String(),
  currency: Type.String(),
  decimals: Type.Integer(),
  tokenContract: Type.Optional(Type.String()),
  chainId: Type.Optional(Type.Integer()),
  addressType: Type.Optional(Type.String()),
  address: Type.String(),
  publicKey: Type.String({ description: 'hex SEC1 compressed; x-only BIP-341 output key for taproot' }),
  protocol: Type.String(),
  threshold: Type.Integer(),
  parties: Type.Integer(),
  partyIds: Type.Array(Type.Integer()),
  generation: Type.Integer({ description: 'share generation: 0 at keygen, +1 per reshare or refresh' }),
  createdAt: TIMESTAMP,
});

export const ListQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });
export const WalletPage = Type.Object({ wallets: Type.Array(Wallet), nextCursor: Type.Optional(Type.String()) });

export const Transaction = Type.Object(
  {
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'recipient (for a token wallet without data: the token recipient)' })),
    value: Type.Optional(UNITS),
    data: Type.Optional(Type.String({ maxLength: 2 + 2 * 24 * 1024, description: 'EVM calldata, 0x hex' })),
    currency: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    type: Type.Optional(Type.Union([Type.Literal('eip1559'), Type.Literal('legacy')])),
    chainId: Type.Optional(Type.Integer({ minimum: 1 })),
    nonce: Type.Optional(UNITS),
    gasLimit: Type.Optional(UNITS),
    maxFeePerGas: Type.Optional(UNITS),
    maxPriorityFeePerGas: Type.Optional(UNITS),
    gasPrice: Type.Optional(UNITS),
    accessList: Type.Optional(
      Type.Array(Type.Object({ address: EVM_ADDRESS, storageKeys: Type.Array(Type.String({ maxLength: 66 }), { maxItems: 256 }) }, { additionalProperties: false }), { maxItems: 256 }),
    ),
    psbt: Type.Optional(Type.String({ minLength: 1, maxLength: 60_000, description: 'Bitcoin: a PSBT, base64 or hex' })),
    inputs: Type.Optional(
      Type.Array(Type.Object({ txid: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }), vout: U32, value: UNITS, sequence: Type.Optional(U32) }, { additionalProperties: false }), { minItems: 1, maxItems: 256 }),
    ),
    outputs: Type.Optional(Type.Array(Type.Object({ address: Type.String({ minLength: 1, maxLength: 100 }), value: UNITS }, { additionalProperties: false }), { minItems: 1, maxItems: 256 })),
    fee: Type.Optional(UNITS),
    locktime: Type.Optional(U32),
  },
  { additionalProperties: false },
);

export const SignBody = Type.Object({ transaction: Transaction }, { additionalProperties: false });
export const SignHashBody = Type.Object({ hash: Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' }) }, { additionalProperties: false });

export const SignedTransaction = Type.Object({
  walletId: Type.String(),
  chain: Type.String(),
  signature: Type.String(),
  r: Type.Optional(Type.String()),
  s: Type.Optional(Type.String()),
  v: Type.Optional(Type.Integer()),
  yParity: Type.Optional(Type.Integer()),
  signingHash: Type.Optional(Type.String()),
  inputs: Type.Optional(Type.Array(Type.Object({ index: Type.Integer(), sighash: Type.String(), signature: Type.String() }))),
  psbt: Type.Optional(Type.String()),
  serializedTransaction: Type.Optional(Type.String()),
  transactionHash: Type.Optional(Type.String()),
  amount: Type.Union([Type.Object({ value: Type.String(), currency: Type.String(), decimals: Type.Integer() }), Type.Null()]),
  signers: Type.Array(Type.Integer()),
});

export const SignedHash = Type.Object({
  walletId: Type.String(),
  hash: Type.String(),
  signature: Type.String(),
  r: Type.Optional(Type.String()),
  s: Type.Optional(Type.String()),
  recovery: Type.Optional(Type.Integer()),
  signers: Type.Array(Type.Integer()),
});
