/**
 * Signing approvals. The node that drives a signature (the gateway's node after its policy check, or an operator's
 * control call) states exactly what it approved — key, digest, signers, amount — signs that with its identity key,
 * and sends it with the proposal. Every signer re-checks it before releasing a partial signature: the approver is
 * one the signer's own config trusts, the statement matches the session, it has not expired, and the amount is
 * within the signer's own limit. A compromised proposer cannot get a signature on a digest nobody approved.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError, type PartyId } from '../protocols/errors.js';
import { encodeWire, type WireValue } from '../protocols/math/wire.js';
import { PayloadReader } from '../protocols/round/payload.js';
import { publicKeyFromPeerId, sign, verify, type PartyIdentity } from './p2p/identity.js';

const DOMAIN = 'lux-kms/signing-approval/v1';
/** How long an approval stays valid: long enough for a presign + sign under load, short enough to be useless later. */
export const APPROVAL_LIFETIME_MS = 10 * 60_000;
const CLOCK_SKEW_MS = 30_000;

export interface ApprovalStatement {
  keyId: string;
  digest: string;
  signers: PartyId[];
  approver: PartyId;
  issuedAt: number;
  expiresAt: number;
  /** Decimal amount in whole units of what the signature moves, when the approver knew it. */
  amount?: string;
  /** The approver's reference (e.g. the gateway request id), for the audit trail. */
  reference?: string;
}

export interface SignedApproval {
  statement: ApprovalStatement;
  signature: Uint8Array;
}

function digestOf(statement: ApprovalStatement): Uint8Array {
  return sha256(encodeWire({ domain: DOMAIN, ...(statement as unknown as Record<string, WireValue>) }));
}

export function issueApproval(identity: PartyIdentity, statement: ApprovalStatement): SignedApproval {
  return { statement, signature: sign(identity.privateKey, digestOf(statement)) };
}

export function encodeApproval(approval: SignedApproval): WireValue {
  return { statement: approval.statement as unknown as WireValue, signature: approval.signature };
}

const DECIMAL = /^\d{1,30}(\.\d{1,18})?$/;

function decodeStatement(r: PayloadReader): ApprovalStatement {
  const amount = r.has('amount') ? r.string('amount', 64) : undefined;
  if (amount !== undefined && !DECIMAL.test(amount)) throw new InvalidInputError('approval "amount" expected a decimal string');
  const signers = r.list('signers').map((p) => {
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 1) throw new InvalidInputError('approval "signers" expected party ids');
    return p;
  });
  return {
    keyId: r.string('keyId', 64),
    digest: r.string('digest', 64),
    signers,
    approver: r.integer('approver'),
    issuedAt: r.integer('issuedAt'),
    expiresAt: r.integer('expiresAt'),
    ...(amount !== undefined ? { amount } : {}),
    ...(r.has('reference') ? { reference: r.string('reference', 128) } : {}),
  };
}

/** Compare two non-negative decimal strings exactly (no floating point). */
export function compareDecimal(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const scale = Math.max(af.length, bf.length);
  const x = BigInt(ai! + af.padEnd(scale, '0'));
  const y = BigInt(bi! + bf.padEnd(scale, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface ApprovalPolicy {
  /** Parties whose approvals this node accepts. */
  approvers: readonly PartyId[];
  members: ReadonlyMap<PartyId, string>;
  /** The largest amount this node will sign for, whatever the approver says; undefined: no limit of its own. */
  maxAmount?: string;
  now?: () => number;
}

/** Throws InvalidInputError (the proposal is refused, nothing is signed) unless the approval covers this session. */
export function checkApproval(raw: WireValue | undefined, expected: { keyId: string; digest: Uint8Array; signers: readonly PartyId[] }, policy: ApprovalPolicy): ApprovalStatement {
  if (raw === undefined) throw new InvalidInputError('signing refused: the proposal carries no approval', 'approval_missing');
  let statement: ApprovalStatement;
  let signature: Uint8Array;
  try {
    const r = new PayloadReader(raw, 'approval');
    statement = decodeStatement(r.nested('statement'));
    signature = r.bytes('signature', 64);
  } catch (e) {
    throw new InvalidInputError(`signing refused: malformed approval (${(e as Error).message})`, 'approval_invalid');
  }
  const refuse = (why: string) => new InvalidInputError(`signing refused: ${why}`, 'approval_invalid');
  if (!policy.approvers.includes(statement.approver)) throw refuse(`party ${statement.approver} is not a signing approver for this node`);
  const peer = policy.members.get(statement.approver);
  if (!peer || !verify(publicKeyFromPeerId(peer), digestOf(statement), signature)) throw refuse('the approval signature does not verify');
  if (statement.keyId !== expected.keyId) throw refuse(`the approval is for key ${statement.keyId}`);
  if (statement.digest !== Buffer.from(expected.digest).toString('hex')) throw refuse('the approval is for another digest');
  if (statement.signers.join() !== [...expected.signers].sort((a, b) => a - b).join()) throw refuse('the approval names other signers');
  const now = (policy.now ?? Date.now)();
  if (statement.expiresAt < now) throw refuse('the approval has expired');
  if (statement.issuedAt > now + CLOCK_SKEW_MS || statement.expiresAt - statement.issuedAt > APPROVAL_LIFETIME_MS) throw refuse('the approval’s validity window is not acceptable');
  if (policy.maxAmount !== undefined) {
    if (statement.amount === undefined) throw refuse(`this node signs only approvals that state an amount (limit ${policy.maxAmount})`);
    if (compareDecimal(statement.amount, policy.maxAmount) > 0) throw refuse(`amount ${statement.amount} exceeds this node's limit of ${policy.maxAmount}`);
  }
  return statement;
}
