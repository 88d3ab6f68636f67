/**
 * An in-process stand-in for the party cluster behind the `WalletCluster` interface: one whole secp256k1 key
 * per keygen (no threshold math: that is the protocols' job and tested there), real ECDSA and BIP-340
 * signatures, members that can be taken down, and a count of signing calls so tests can prove none happened.
 */
import { randomBytes } from 'node:crypto';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { InvalidInputError, TransportError, type PartyId } from '../../../protocols/errors.js';
import type { WalletCluster } from '../../../api/engines/mpc/cluster.js';
import type { WalletProtocol } from '../../../api/engines/mpc/chains.js';

const N = secp256k1.Point.Fn.ORDER;
const toBig = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));
const toBytes32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

/** The BIP-341 key-path output secret of internal secret `d` (empty script tree). */
export function taprootOutputSecret(d: bigint): bigint {
  const P = secp256k1.Point.BASE.multiply(d);
  const even = P.y % 2n === 0n ? d : N - d;
  const t = toBig(schnorr.utils.taggedHash('TapTweak', P.toBytes(true).subarray(1))) % N;
  return (even + t) % N;
}

interface LocalKey {
  protocol: WalletProtocol;
  secret: bigint;
  threshold: number;
  parties: PartyId[];
}

export class LocalCluster implements WalletCluster {
  readonly keys = new Map<string, LocalKey>();
  readonly down = new Set<PartyId>();
  signCalls = 0;

  constructor(readonly size = 3) {}

  status() {
    return { id: 1, members: Array.from({ length: this.size }, (_, i) => ({ id: i + 1, connected: !this.down.has(i + 1) })) };
  }

  async keygen(request: { protocol: WalletProtocol; threshold: number; parties: PartyId[]; keyId?: string }) {
    const keyId = request.keyId ?? `local-${randomBytes(4).toString('hex')}`;
    if (this.keys.has(keyId)) throw new InvalidInputError(`key "${keyId}" already exists`, 'key_exists');
    const secret = toBig(secp256k1.utils.randomSecretKey());
    const key: LocalKey = { protocol: request.protocol, secret, threshold: request.threshold, parties: request.parties };
    this.keys.set(keyId, key);
    return { keyId, publicKey: this.publicKeyOf(key), threshold: request.threshold, parties: request.parties };
  }

  async key(keyId: string) {
    const key = this.keys.get(keyId);
    if (!key) throw new InvalidInputError(`unknown key "${keyId}"`, 'key_not_found');
    return { publicKey: this.publicKeyOf(key), threshold: key.threshold, parties: key.parties, generation: 0 };
  }

  private publicKeyOf(key: LocalKey): string {
    const secret = toBytes32(key.protocol === 'frost-taproot' ? taprootOutputSecret(key.secret) : key.secret);
    return Buffer.from(key.protocol === 'frost-taproot' ? schnorr.getPublicKey(secret) : secp256k1.getPublicKey(secret, true)).toString('hex');
  }

  /** Like the cluster: every holder must take part, or nothing is erased; a key already gone is success. */
  async retire(keyId: string) {
    const key = this.keys.get(keyId);
    if (!key) return { retired: [], alreadyRetired: this.status().members.map((m) => m.id) };
    const offline = key.parties.filter((p) => this.down.has(p));
    if (offline.length) throw new TransportError(`session key-retire-local timed out waiting for parties ${offline.join(', ')}`, offline, 'session_timeout');
    this.keys.delete(keyId);
    return { retired: key.parties, alreadyRetired: [] };
  }

  async sign(request: { keyId: string; digest: Uint8Array }) {
    const key = this.keys.get(request.keyId);
    if (!key) throw new InvalidInputError(`unknown key "${request.keyId}"`, 'key_not_found');
    const up = key.parties.filter((p) => !this.down.has(p));
    if (up.length < key.threshold) throw new InvalidInputError(`key "${request.keyId}" needs ${key.threshold} signers but only ${up.length} of its parties are connected`, 'not_enough_signers');
    this.signCalls++;
    const signers = up.slice(0, key.threshold);
    const sig =
      key.protocol === 'frost-taproot'
        ? schnorr.sign(request.digest, toBytes32(taprootOutputSecret(key.secret)))
        : secp256k1.sign(request.digest, toBytes32(key.secret), { prehash: false, lowS: true });
    return { signature: Buffer.from(sig).toString('hex'), signers, publicKey: this.publicKeyOf(key) };
  }
}
