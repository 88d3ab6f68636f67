/** Key lifecycle against a clock the test moves: scheduled rotation, version expiry, deletion after its waiting period. */
import { describe, expect, it } from 'vitest';
import { KeysService, type BeforeScheduledAction } from '../../../api/engines/keys/service.js';
import { keysService } from './service-harness.js';

const DAY = 86_400_000;
const env = 'production';

function recorder() {
  const actions: string[] = [];
  const before: BeforeScheduledAction = async (action) => void actions.push(action);
  return { actions, before };
}

describe('scheduled maintenance', () => {
  it('rotates when due (not before), retires the old version and re-arms the next rotation', async () => {
    const { keys, clock } = await keysService();
    const key = await keys.create({ environment: env, type: 'ED25519', rotation: '90d', versionExpiry: '7d' });
    expect(KeysService.nextDue(key)).toBe(clock.now + 90 * DAY);
    const { actions, before } = recorder();
    clock.now += 90 * DAY - 1;
    await keys.maintain(env, key.id, before);
    expect((await keys.get(env, key.id)).currentVersion).toBe(1);
    clock.now += 1;
    await keys.maintain(env, key.id, before);
    const rotated = await keys.get(env, key.id);
    expect(actions).toEqual(['rotate']);
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.versions[0]).toMatchObject({ state: 'retired', expiresAt: new Date(clock.now + 7 * DAY).toISOString() });
    expect(KeysService.nextDue(rotated)).toBe(clock.now + 7 * DAY);
    expect(rotated.rotation!.nextRotationAt).toBe(new Date(clock.now + 90 * DAY).toISOString());
  });

  it('expires retired versions at their time: the material is destroyed and verification with it refused', async () => {
    const { keys, clock } = await keysService();
    const key = await keys.create({ environment: env, type: 'ECDSA_P256', versionExpiry: '1d' });
    const message = Buffer.from('m').toString('base64');
    const old = await keys.sign({ environment: env, keyId: key.id, message });
    await keys.rotate(env, key.id);
    clock.now += DAY - 1;
    expect(await keys.verify({ environment: env, keyId: key.id, message, signature: old.signature, keyVersion: 1 })).toMatchObject({ valid: true });
    clock.now += 1;
    // Refused from the expiry instant, even before the scheduler has erased anything.
    await expect(keys.verify({ environment: env, keyId: key.id, message, signature: old.signature, keyVersion: 1 })).rejects.toMatchObject({ code: 'key_version_expired' });
    const { actions, before } = recorder();
    await keys.maintain(env, key.id, before);
    expect(actions).toEqual(['expire']);
    expect((await keys.get(env, key.id)).versions[0]!.state).toBe('destroyed');
  });

  it('expiry first renews stored ciphertexts still under the expiring version, so none is lost', async () => {
    const { keys, clock } = await keysService();
    const key = await keys.create({ environment: env, type: 'AES_256_GCM', versionExpiry: '1d' });
    await keys.putStored({ environment: env, keyId: key.id, name: 'blob', plaintext: Buffer.from('keep me').toString('base64') });
    await keys.rotate(env, key.id);
    expect((await keys.getStored(env, key.id, 'blob')).keyVersion).toBe(1);
    clock.now += DAY;
    await keys.maintain(env, key.id, recorder().before);
    const stored = await keys.getStored(env, key.id, 'blob');
    expect(stored.keyVersion).toBe(2);
    const opened = await keys.decrypt({ environment: env, keyId: key.id, ciphertext: stored.ciphertext });
    expect(Buffer.from(opened.plaintext, 'base64').toString()).toBe('keep me');
  });

  it('deletes only after the waiting period; a failing audit hook stops the action', async () => {
    const { keys, clock } = await keysService();
    const key = await keys.create({ environment: env, type: 'HMAC_SHA256' });
    await expect(keys.scheduleDeletion(env, key.id, '1h')).rejects.toMatchObject({ code: 'invalid_duration' });
    const pending = await keys.scheduleDeletion(env, key.id, '7d');
    expect(KeysService.nextDue(pending)).toBe(clock.now + 7 * DAY);
    clock.now += 7 * DAY;
    await expect(keys.maintain(env, key.id, async () => { throw new Error('audit log down'); })).rejects.toThrow('audit log down');
    expect((await keys.get(env, key.id)).state).toBe('pending_deletion');
    await keys.maintain(env, key.id, recorder().before);
    const deleted = await keys.get(env, key.id);
    expect(deleted.state).toBe('deleted');
    expect(KeysService.nextDue(deleted)).toBeUndefined();
  });

  it('a disabled key is not rotated by the schedule; enabling it makes the overdue rotation due at once', async () => {
    const { keys, clock } = await keysService();
    const key = await keys.create({ environment: env, type: 'ED25519', rotation: '1d' });
    const disabled = await keys.setEnabled(env, key.id, false);
    expect(KeysService.nextDue(disabled)).toBeUndefined();
    clock.now += 2 * DAY;
    await keys.maintain(env, key.id, recorder().before);
    expect((await keys.get(env, key.id)).currentVersion).toBe(1);
    const enabled = await keys.setEnabled(env, key.id, true);
    expect(KeysService.nextDue(enabled)).toBeLessThanOrEqual(clock.now);
  });
});
