import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identityFromKey } from '../../../node/p2p/identity.js';
import { APPROVAL_LIFETIME_MS, checkApproval, compareDecimal, encodeApproval, issueApproval, type ApprovalStatement } from '../../../node/approvals.js';

const digest = new Uint8Array(32).fill(7);

async function setup() {
  const gateway = identityFromKey(await generateKeyPair('Ed25519'));
  const other = identityFromKey(await generateKeyPair('Ed25519'));
  const members = new Map([[1, gateway.peerId], [2, other.peerId]]);
  const now = Date.now();
  const statement: ApprovalStatement = {
    keyId: 'k1',
    digest: Buffer.from(digest).toString('hex'),
    signers: [1, 2],
    approver: 1,
    issuedAt: now,
    expiresAt: now + 60_000,
    amount: '250.5',
  };
  return { gateway, other, members, statement };
}

describe('signing approvals, re-checked by every signer', () => {
  it('accepts an approval from a trusted approver that matches the session', async () => {
    const { gateway, members, statement } = await setup();
    const approval = encodeApproval(issueApproval(gateway, statement));
    expect(checkApproval(approval, { keyId: 'k1', digest, signers: [2, 1] }, { approvers: [1], members, maxAmount: '1000' }).amount).toBe('250.5');
  });

  it('approval_missing / approval_forged / approver_untrusted are refused', async () => {
    const { gateway, other, members, statement } = await setup();
    const expected = { keyId: 'k1', digest, signers: [1, 2] };
    expect(() => checkApproval(undefined, expected, { approvers: [1], members })).toThrow(/no approval/);
    const forged = encodeApproval(issueApproval(other, statement)); // signed by 2 while claiming approver 1
    expect(() => checkApproval(forged, expected, { approvers: [1], members })).toThrow(/does not verify/);
    const byOther = encodeApproval(issueApproval(other, { ...statement, approver: 2 }));
    expect(() => checkApproval(byOther, expected, { approvers: [1], members })).toThrow(/not a signing approver/);
    const tampered = encodeApproval(issueApproval(gateway, statement)) as unknown as { statement: ApprovalStatement; signature: Uint8Array };
    expect(() => checkApproval({ ...tampered, statement: { ...tampered.statement, amount: '1' } } as never, expected, { approvers: [1], members })).toThrow(/does not verify/);
  });

  it('an approval for another digest, key or signer set does not cover this session', async () => {
    const { gateway, members, statement } = await setup();
    const approval = encodeApproval(issueApproval(gateway, statement));
    const policy = { approvers: [1], members };
    expect(() => checkApproval(approval, { keyId: 'k1', digest: new Uint8Array(32), signers: [1, 2] }, policy)).toThrow(/another digest/);
    expect(() => checkApproval(approval, { keyId: 'k2', digest, signers: [1, 2] }, policy)).toThrow(/for key k1/);
    expect(() => checkApproval(approval, { keyId: 'k1', digest, signers: [1, 3] }, policy)).toThrow(/other signers/);
  });

  it('an expired approval or one with an overlong window is refused', async () => {
    const { gateway, members, statement } = await setup();
    const expected = { keyId: 'k1', digest, signers: [1, 2] };
    const expired = encodeApproval(issueApproval(gateway, { ...statement, issuedAt: 0, expiresAt: 1 }));
    expect(() => checkApproval(expired, expected, { approvers: [1], members })).toThrow(/expired/);
    const overlong = encodeApproval(issueApproval(gateway, { ...statement, expiresAt: statement.issuedAt + APPROVAL_LIFETIME_MS + 1 }));
    expect(() => checkApproval(overlong, expected, { approvers: [1], members })).toThrow(/validity window/);
  });

  it('amount_over_node_limit: a node refuses more than its own limit, and an approval without an amount when it has one', async () => {
    const { gateway, members, statement } = await setup();
    const expected = { keyId: 'k1', digest, signers: [1, 2] };
    const big = encodeApproval(issueApproval(gateway, { ...statement, amount: '1000.000001' }));
    expect(() => checkApproval(big, expected, { approvers: [1], members, maxAmount: '1000' })).toThrow(/exceeds this node's limit/);
    const { amount: _drop, ...noAmount } = statement;
    void _drop;
    const missing = encodeApproval(issueApproval(gateway, noAmount));
    expect(() => checkApproval(missing, expected, { approvers: [1], members, maxAmount: '1000' })).toThrow(/state an amount/);
    expect(checkApproval(missing, expected, { approvers: [1], members }).amount).toBeUndefined();
  });

  it('compares decimals exactly', () => {
    expect(compareDecimal('1000000.000000000000000001', '1000000')).toBe(1);
    expect(compareDecimal('0.10', '0.1')).toBe(0);
    expect(compareDecimal('9', '10')).toBe(-1);
  });
});
