/**
 * TOTP codes are single-use (RFC 6238 section 5.2): the time step of an accepted code is stored with the
 * key, so the same code, or one from an earlier step, is refused afterwards, also by a service reopened
 * over the same store, and of concurrent requests with one code exactly one gets through. In the access
 * decision a code is spent only when MFA is what decides.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../api/engines/policies/evaluate.js';
import { ApiKeyService, type ApiKeyRecord, type MfaState } from '../../../api/server/auth/api-keys.js';
import { decideWithMfa } from '../../../api/server/auth/mfa.js';
import { totpCode } from '../../../api/server/auth/totp.js';
import { Barrier, EncryptedStore } from '../../../api/server/barrier.js';
import { GatewayError } from '../../../api/server/errors.js';
import type { Seal } from '../../../node/hsm/seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

// The barrier is tested on its own; here any reversible seal will do.
const plainSeal: Seal = { kind: 'software', seal: async (p) => p, unseal: async (s) => s, close: async () => {} };
const STEP_MS = 30_000;

let kv: MemoryKeyValueStore;
let store: EncryptedStore;
let keys: ApiKeyService;
let id: string;
let adminId: string;
let secret: string;

beforeEach(async () => {
  kv = new MemoryKeyValueStore();
  store = new EncryptedStore(kv, (await Barrier.open(kv, plainSeal)).barrier);
  keys = new ApiKeyService(store);
  await keys.init();
  adminId = (await keys.create({ name: 'admin', environments: ['*'], policies: ['root'] })).key.id;
  id = (await keys.create({ name: 'treasurer', environments: ['production'], policies: ['p'] })).key.id;
  secret = (await keys.enrollMfa(id, adminId)).secret;
});

describe('spendTotp', () => {
  it('replayed TOTP code is refused', async () => {
    const now = Date.now();
    const code = totpCode(secret, now);
    expect(await keys.spendTotp(id, code, now)).toBe('valid');
    expect(await keys.spendTotp(id, code, now)).toBe('replayed');
    // Still inside the code's drift window, a step later: still spent.
    expect(await keys.spendTotp(id, code, now + STEP_MS)).toBe('replayed');
  });

  it('a code from an earlier step is refused once a later one was accepted', async () => {
    const now = Date.now();
    expect(await keys.spendTotp(id, totpCode(secret, now + STEP_MS), now)).toBe('valid');
    expect(await keys.spendTotp(id, totpCode(secret, now), now)).toBe('replayed');
    expect(await keys.spendTotp(id, totpCode(secret, now - STEP_MS), now)).toBe('replayed');
    // The next step's code is good again once its time comes.
    expect(await keys.spendTotp(id, totpCode(secret, now + 2 * STEP_MS), now + 2 * STEP_MS)).toBe('valid');
  });

  it('concurrent requests with one code: exactly one succeeds', async () => {
    const now = Date.now();
    const code = totpCode(secret, now);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => keys.spendTotp(id, code, now)));
    expect(outcomes.filter((o) => o === 'valid')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(7);
  });

  it('replayed TOTP code is refused after a restart (the spent step is stored with the key)', async () => {
    const now = Date.now();
    const code = totpCode(secret, now);
    expect(await keys.spendTotp(id, code, now)).toBe('valid');
    const reopened = new ApiKeyService(new EncryptedStore(kv, (await Barrier.open(kv, plainSeal)).barrier));
    await reopened.init();
    expect(await reopened.spendTotp(id, code, now)).toBe('replayed');
  });

  it('a concurrent revoke does not undo the spent step', async () => {
    const now = Date.now();
    const code = totpCode(secret, now);
    await Promise.all([keys.spendTotp(id, code, now), keys.revoke(id)]);
    const stored = await store.getJson<ApiKeyRecord>(`auth/key/${id}`);
    expect(stored?.revokedAt).toBeDefined();
    expect(stored?.mfa?.lastStep).toBe(Math.floor(now / STEP_MS));
  });

  it('wrong codes are invalid and spend nothing; keys without TOTP are not enrolled', async () => {
    const now = Date.now();
    const code = totpCode(secret, now);
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await keys.spendTotp(id, wrong, now)).toBe('invalid');
    expect(await keys.spendTotp(id, totpCode(secret, now + 3 * STEP_MS), now)).toBe('invalid');
    expect(await keys.spendTotp(id, code, now)).toBe('valid');
    const bare = (await keys.create({ name: 'bare', environments: ['production'], policies: ['p'] })).key.id;
    expect(await keys.spendTotp(bare, code, now)).toBe('not_enrolled');
  });

  it('re-enrolment starts the new secret with no spent step', async () => {
    const now = Date.now();
    expect(await keys.spendTotp(id, totpCode(secret, now + STEP_MS), now)).toBe('valid');
    const fresh = (await keys.enrollMfa(id, adminId)).secret;
    expect(await keys.spendTotp(id, totpCode(fresh, now), now)).toBe('valid');
  });
});

describe('decideWithMfa', () => {
  /** A policy stand-in: allows when MFA is valid, or always when `open`. */
  const decider = (open: boolean) => {
    const seen: MfaState[] = [];
    const decide = (mfa: MfaState): Decision => {
      seen.push(mfa);
      const allowed = open || mfa === 'valid';
      const code = allowed ? 'allowed' : mfa === 'invalid' ? 'mfa_invalid' : mfa === 'not_enrolled' ? 'mfa_not_enrolled' : 'mfa_required';
      return { allowed, code, explanation: `read on secret:x ${allowed ? 'allowed' : 'denied: requires MFA'}`, matches: [] };
    };
    return { decide, seen };
  };
  const record = async () => (await store.getJson<ApiKeyRecord>(`auth/key/${id}`))!;

  it('does not spend a code on a request allowed without it', async () => {
    const code = totpCode(secret);
    const open = decider(true);
    expect((await decideWithMfa(keys, await record(), code, open.decide)).allowed).toBe(true);
    expect(open.seen).toEqual(['absent']);
    expect((await decideWithMfa(keys, await record(), code, decider(false).decide)).allowed).toBe(true);
  });

  it('replayed TOTP code is refused with 403 mfa_replayed and a reason', async () => {
    const code = totpCode(secret);
    expect((await decideWithMfa(keys, await record(), code, decider(false).decide)).allowed).toBe(true);
    const replay = decideWithMfa(keys, await record(), code, decider(false).decide);
    await expect(replay).rejects.toBeInstanceOf(GatewayError);
    await expect(replay).rejects.toMatchObject({ statusCode: 403, code: 'mfa_replayed', message: expect.stringMatching(/already used.*wait for the next one/) });
  });

  it('a wrong code is decided as invalid, no code as absent', async () => {
    const code = totpCode(secret);
    const wrong = code === '000000' ? '000001' : '000000';
    expect((await decideWithMfa(keys, await record(), wrong, decider(false).decide)).code).toBe('mfa_invalid');
    expect((await decideWithMfa(keys, await record(), undefined, decider(false).decide)).code).toBe('mfa_required');
  });
});
