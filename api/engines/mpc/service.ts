/**
 * MPC wallets: a threshold key on the party cluster plus what makes it a wallet (chain, currency, address).
 * Signing is split in two so access control can sit in between: `prepare` turns a request into the exact
 * digests to sign and the amount they move; `sign` runs the ceremonies for a prepared request only.
 */
import { randomBytes } from 'node:crypto';
import type { PartyId } from '../../../protocols/errors.js';
import type { SignedHash, SignedTransaction, WalletInfo } from './signed.js';

export type { SignedHash, SignedTransaction, WalletInfo };
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, GatewayError, InvalidInputError, notFound } from '../../server/errors.js';
import { walletOutput, type WalletOutput } from './bitcoin/address.js';
import { attachSignatures, planBitcoin, type BitcoinPlan, type BitcoinTxRequest, type BitcoinWallet } from './bitcoin/transaction.js';
import { bitcoinNetwork, resolveChain, type AddressType, type Asset, type WalletProtocol } from './chains.js';
import { clusterUnavailable, onCluster, type WalletCluster } from './cluster.js';
import { addressOfPublicKey, toChecksumAddress } from './evm/address.js';
import { planEvm, type EvmPlan, type EvmTxRequest, type MovedAmount } from './evm/plan.js';
import { legacyV, serializeSigned, transactionHash } from './evm/transaction.js';
import { checkEcdsa, checkSchnorr, toDer } from './signature.js';

const PREFIX = 'mpc/wallets/';
const WALLET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface WalletRecord {
  id: string;
  /** The cluster's key id (the same as `id`, so operators can reshare a wallet by its name). */
  keyId: string;
  chain: string;
  family: 'evm' | 'bitcoin';
  protocol: WalletProtocol;
  chainId?: number;
  addressType?: AddressType;
  native: Asset;
  asset: Asset;
  address: string;
  publicKey: string;
  threshold: number;
  partyIds: PartyId[];
  /** The key's share generation: 0 at keygen, one more after each reshare or refresh. */
  generation: number;
  createdAt: string;
  /** Set once every node erased its share: the record stays as a tombstone, so the id (and its policies) is never reused. */
  deletedAt?: string;
}


export interface GenerateWalletInput {
  chain: string;
  currency?: string | undefined;
  threshold: number;
  /** How many nodes hold a share (picked among the connected members), or exactly which ones. */
  parties: number | PartyId[];
  id?: string | undefined;
  chainId?: number | undefined;
  token?: { contract: string; decimals: number } | undefined;
  addressType?: AddressType | undefined;
}

export type SignTransactionRequest = EvmTxRequest | BitcoinTxRequest;

export type Prepared =
  | { wallet: WalletRecord; family: 'evm'; plan: EvmPlan; amount: MovedAmount | undefined }
  | { wallet: WalletRecord; family: 'bitcoin'; plan: BitcoinPlan; btc: BitcoinWallet; amount: MovedAmount };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const path = (id: string) => PREFIX + id;

export function walletInfo(w: WalletRecord): WalletInfo {
  return {
    id: w.id,
    chain: w.chain,
    currency: w.asset.currency,
    decimals: w.asset.decimals,
    ...(w.asset.tokenContract ? { tokenContract: w.asset.tokenContract } : {}),
    ...(w.chainId === undefined ? {} : { chainId: w.chainId }),
    ...(w.addressType ? { addressType: w.addressType } : {}),
    address: w.address,
    publicKey: w.publicKey,
    protocol: w.protocol,
    threshold: w.threshold,
    parties: w.partyIds.length,
    partyIds: w.partyIds,
    generation: w.generation,
    createdAt: w.createdAt,
  };
}

export function checkWalletId(id: unknown): string {
  if (typeof id !== 'string' || !WALLET_ID.test(id)) throw new InvalidInputError(`"walletId" expected 1..64 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit), got ${JSON.stringify(id)}`);
  return id;
}

function bitcoinWallet(w: WalletRecord): BitcoinWallet & WalletOutput {
  const network = bitcoinNetwork(w.chain);
  const publicKey = bytes(w.publicKey);
  return { addressType: w.addressType!, publicKey, network, ...walletOutput(w.addressType!, publicKey, network) };
}

export class MpcWalletService {
  constructor(
    private readonly store: EncryptedStore,
    private readonly cluster: WalletCluster | undefined,
  ) {}

  #cluster(): WalletCluster {
    if (!this.cluster) throw clusterUnavailable();
    return this.cluster;
  }

  /**
   * The committee: the requested members, or `n` connected ones (keygen needs every party online). It always
   * includes the gateway's own node, which drives signing from its share of the key.
   */
  #committee(parties: GenerateWalletInput['parties'], threshold: number): PartyId[] {
    const { id: self, members } = this.#cluster().status();
    if (Array.isArray(parties)) {
      const ids = [...new Set(parties)].sort((a, b) => a - b);
      if (ids.length !== parties.length) throw new InvalidInputError('"parties" has duplicates');
      for (const p of ids) if (!members.some((m) => m.id === p)) throw new InvalidInputError(`"parties" has ${p}, which is not a cluster member (members: ${members.map((m) => m.id).join(', ')})`);
      if (!ids.includes(self)) throw new InvalidInputError(`"parties" must include node ${self}, the node this gateway runs in: it drives every signing`);
      return ids;
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > members.length) {
      throw new InvalidInputError(`"parties" expected integer 1..${members.length} (the cluster's size), got ${parties}`);
    }
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > parties) throw new InvalidInputError(`"threshold" expected integer 1..${parties}, got ${threshold}`);
    const others = members.filter((m) => m.connected && m.id !== self).map((m) => m.id).sort((a, b) => a - b);
    if (others.length + 1 < parties) {
      throw new GatewayError('unavailable', 'not_enough_nodes', `a ${threshold}-of-${parties} wallet needs ${parties} connected nodes; ${others.length + 1} are connected (${[self, ...others].join(', ')})`);
    }
    return [self, ...others.slice(0, parties - 1)].sort((a, b) => a - b);
  }

  async generateWallet(input: GenerateWalletInput): Promise<WalletInfo> {
    const chain = resolveChain(input);
    const id = input.id === undefined ? `wallet-${randomBytes(8).toString('hex')}` : checkWalletId(input.id);
    const existing = await this.store.getJson<WalletRecord>(path(id));
    if (existing?.deletedAt) throw conflict('wallet_exists', `wallet "${id}" was deleted; its id is not reused`);
    if (existing) throw conflict('wallet_exists', `wallet "${id}" already exists`);
    const partyIds = this.#committee(input.parties, input.threshold);
    if (!Number.isInteger(input.threshold) || input.threshold < 1 || input.threshold > partyIds.length) {
      throw new InvalidInputError(`"threshold" expected integer 1..${partyIds.length}, got ${input.threshold}`);
    }
    const key = await onCluster('keygen', () => this.#cluster().keygen({ protocol: chain.protocol, threshold: input.threshold, parties: partyIds, keyId: id }));
    const publicKey = bytes(key.publicKey);
    const address = chain.family === 'evm' ? toChecksumAddress(addressOfPublicKey(publicKey)) : walletOutput(chain.addressType, publicKey, chain.network).address;
    const record: WalletRecord = {
      id,
      keyId: key.keyId,
      chain: chain.name,
      family: chain.family,
      protocol: chain.protocol,
      ...(chain.family === 'evm' ? { chainId: chain.chainId } : { addressType: chain.addressType }),
      native: chain.native,
      asset: chain.asset,
      address,
      publicKey: key.publicKey,
      threshold: key.threshold,
      partyIds: key.parties,
      generation: 0,
      createdAt: new Date().toISOString(),
    };
    await this.store.putJson(path(id), record);
    return walletInfo(record);
  }

  /** A wallet that exists and was not deleted. */
  async require(id: string): Promise<WalletRecord> {
    const record = await this.#stored(id);
    if (record.deletedAt) throw new GatewayError('gone', 'wallet_deleted', `wallet "${id}" was deleted at ${record.deletedAt}`);
    return record;
  }

  async #stored(id: string): Promise<WalletRecord> {
    const record = await this.store.getJson<WalletRecord>(path(checkWalletId(id)));
    if (!record) throw notFound('wallet_not_found', `no wallet "${id}"`);
    return record;
  }

  /**
   * Retire the wallet's key on the cluster (every node erases its share), then tombstone the wallet. If the cluster
   * cannot retire it (a holder offline, a reshare in progress), nothing is marked: the wallet stays as it was and the
   * delete can be retried, which is safe because retirement is idempotent. Deleting a deleted wallet does nothing.
   */
  async deleteWallet(id: string): Promise<void> {
    const record = await this.#stored(id);
    if (record.deletedAt) return;
    try {
      await onCluster('retiring the key', () => this.#cluster().retire(record.keyId));
    } catch (err) {
      if (err instanceof InvalidInputError && err.code === 'generation_pending') throw conflict('key_busy', err.message);
      throw err;
    }
    await this.store.putJson(path(record.id), { ...record, deletedAt: new Date().toISOString() } satisfies WalletRecord);
  }

  async get(id: string): Promise<WalletInfo> {
    return this.#live(await this.require(id));
  }

  /** Committee and generation as the cluster has them now (a reshare changes both), the rest as recorded. */
  async #live(record: WalletRecord): Promise<WalletInfo> {
    if (!this.cluster) return walletInfo(record);
    let key: Awaited<ReturnType<WalletCluster['key']>>;
    try {
      key = await onCluster('reading the key', () => this.#cluster().key(record.keyId));
    } catch (err) {
      // Retired on the cluster by an operator rather than through the gateway: shown as recorded (it signs nothing;
      // deleting the wallet tombstones it), so one such wallet does not break every listing.
      if (err instanceof InvalidInputError && err.code === 'key_not_found') return walletInfo(record);
      throw err;
    }
    return walletInfo({ ...record, threshold: key.threshold, partyIds: key.parties, generation: key.generation });
  }

  async list(options: { limit: number; cursor?: string | undefined }): Promise<{ wallets: WalletInfo[]; nextCursor?: string }> {
    const wallets: WalletInfo[] = [];
    let last: string | undefined;
    // Unbounded read, stopped early: tombstones are skipped, so a page may need more records than its size.
    for await (const [key, record] of this.store.entriesJson<WalletRecord>(PREFIX, options.cursor ? { after: path(options.cursor) } : {})) {
      if (record.deletedAt) continue;
      if (wallets.length === options.limit) return { wallets, nextCursor: last! };
      wallets.push(await this.#live(record));
      last = key.slice(PREFIX.length);
    }
    return { wallets };
  }

  /** Validate and build the transaction; nothing reaches the cluster. */
  async prepare(walletId: string, transaction: SignTransactionRequest): Promise<Prepared> {
    const wallet = await this.require(walletId);
    if (wallet.family === 'evm') {
      const plan = planEvm({ chainId: wallet.chainId!, native: wallet.native, asset: wallet.asset }, transaction as EvmTxRequest);
      return { wallet, family: 'evm', plan, amount: plan.amount };
    }
    const btc = bitcoinWallet(wallet);
    const plan = planBitcoin(btc, transaction as BitcoinTxRequest);
    return { wallet, family: 'bitcoin', plan, btc, amount: { value: plan.amount, currency: 'BTC', decimals: 8 } };
  }

  async sign(prepared: Prepared): Promise<SignedTransaction> {
    const { wallet } = prepared;
    const amount = prepared.amount ? { value: prepared.amount.value.toString(), currency: prepared.amount.currency, decimals: prepared.amount.decimals } : null;
    const approval = prepared.amount ? { amount: wholeUnits(prepared.amount.value, prepared.amount.decimals) } : {};
    if (prepared.family === 'evm') {
      const { tx, digest } = prepared.plan;
      const result = await onCluster('signing', () => this.#cluster().sign({ keyId: wallet.keyId, digest, approval }));
      const sig = checkEcdsa(result.signature, digest, bytes(wallet.publicKey));
      const serialized = serializeSigned(tx, { r: sig.r, s: sig.s, yParity: sig.recovery });
      const v = tx.type === 'legacy' ? Number(legacyV(tx.chainId, sig.recovery)) : sig.recovery;
      const word = (n: bigint) => n.toString(16).padStart(64, '0');
      return {
        walletId: wallet.id,
        chain: wallet.chain,
        signature: `0x${word(sig.r)}${word(sig.s)}${(27 + sig.recovery).toString(16)}`,
        r: `0x${word(sig.r)}`,
        s: `0x${word(sig.s)}`,
        v,
        yParity: sig.recovery,
        signingHash: `0x${hex(digest)}`,
        serializedTransaction: `0x${hex(serialized)}`,
        transactionHash: `0x${hex(transactionHash(serialized))}`,
        amount,
        signers: result.signers,
      };
    }
    const { plan, btc } = prepared;
    const signatures: Uint8Array[] = [];
    let signers: PartyId[] = [];
    // One ceremony per input, in order: each signs a different sighash.
    for (const digest of plan.digests) {
      const result = await onCluster('signing', () => this.#cluster().sign({ keyId: wallet.keyId, digest, approval }));
      signers = result.signers;
      if (btc.addressType === 'taproot') signatures.push(checkSchnorr(result.signature, digest, btc.publicKey));
      else {
        const sig = checkEcdsa(result.signature, digest, btc.publicKey);
        signatures.push(toDer(sig.r, sig.s));
      }
    }
    const signed = attachSignatures(btc, plan, signatures);
    return {
      walletId: wallet.id,
      chain: wallet.chain,
      signature: hex(signatures[0]!),
      inputs: plan.inputs.map((index, k) => ({ index, sighash: hex(plan.digests[k]!), signature: hex(signatures[k]!) })),
      psbt: signed.psbt,
      ...(signed.serialized ? { serializedTransaction: signed.serialized, transactionHash: signed.txid! } : {}),
      amount,
      signers,
    };
  }

  /** Raw-digest signing for callers that build their own payloads. ECDSA wallets return r, s and recovery. */
  async signHash(walletId: string, hash: string): Promise<SignedHash> {
    const wallet = await this.require(walletId);
    const clean = hash.replace(/^0x/, '');
    if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new InvalidInputError('"hash" expected 32 bytes of hex');
    const digest = bytes(clean);
    const result = await onCluster('signing', () => this.#cluster().sign({ keyId: wallet.keyId, digest }));
    const publicKey = bytes(wallet.publicKey);
    if (wallet.protocol === 'frost-taproot') {
      return { walletId: wallet.id, hash: clean.toLowerCase(), signature: hex(checkSchnorr(result.signature, digest, publicKey)), signers: result.signers };
    }
    const sig = checkEcdsa(result.signature, digest, publicKey);
    const word = (n: bigint) => n.toString(16).padStart(64, '0');
    return { walletId: wallet.id, hash: clean.toLowerCase(), signature: word(sig.r) + word(sig.s), r: word(sig.r), s: word(sig.s), recovery: sig.recovery, signers: result.signers };
  }
}

/** Base units (wei, satoshi, token units) as a decimal string of whole units, exactly. */
function wholeUnits(value: bigint, decimals: number): string {
  const digits = value.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}
