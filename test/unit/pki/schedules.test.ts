/**
 * The schedules behind the certificates engine, on an in-memory store: CRLs are re-signed on their own
 * at half-life, timers far in the future are reached in hops, and a revocation re-signs the CRL at once.
 */
import { createPrivateKey } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Barrier, EncryptedStore } from '../../../api/server/barrier.js';
import { CertificateService, DEFAULT_PKI_OPTIONS } from '../../../api/engines/certificates/service.js';
import { KeyedTimers } from '../../../api/engines/certificates/timers.js';
import type { WebhookService } from '../../../api/engines/webhooks/service.js';
import { createSoftwareSeal, generateSalt } from '../../../node/hsm/software-seal.js';
import { MemoryKeyValueStore } from '../../../node/store/memory-store.js';

describe('KeyedTimers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reaches a deadline beyond setTimeout\'s limit in hops, and a new set replaces the old', () => {
    const timers = new KeyedTimers();
    const fired: string[] = [];
    timers.set('a', Date.now() + 60 * 86_400_000, () => fired.push('a'));
    timers.set('b', Date.now() + 1000, () => fired.push('b-old'));
    timers.set('b', Date.now() + 2000, () => fired.push('b'));
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual(['b']);
    vi.advanceTimersByTime(30 * 86_400_000);
    expect(fired).toEqual(['b']);
    vi.advanceTimersByTime(30 * 86_400_000);
    expect(fired).toEqual(['b', 'a']);
    timers.set('c', Date.now() + 10, () => fired.push('c'));
    timers.close();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['b', 'a']);
  });
});

describe('CRL schedule and key custody', () => {
  let service: CertificateService;
  let raw: MemoryKeyValueStore;
  let store: EncryptedStore;

  beforeEach(async () => {
    raw = new MemoryKeyValueStore();
    const { barrier } = await Barrier.open(raw, await createSoftwareSeal({ passphrase: 'unit-test-passphrase', salt: generateSalt() }));
    const audit = { append: async () => undefined };
    store = new EncryptedStore(raw, barrier);
    service = new CertificateService(store, {} as WebhookService, audit, { ...DEFAULT_PKI_OPTIONS, crlLifetimeSeconds: 2 });
    await service.start();
  });
  afterEach(() => service.close());

  it('re-signs the CRL at half its lifetime without any request', async () => {
    const first = await service.crl('production', 'intermediate');
    expect(first.number).toBe(1);
    expect(Date.parse(first.nextUpdate) - Date.parse(first.thisUpdate)).toBe(2000);
    await new Promise((r) => setTimeout(r, 1300));
    const next = await service.crl('production', 'intermediate');
    expect(next.number).toBeGreaterThan(first.number);
    expect(Date.parse(next.thisUpdate)).toBeGreaterThan(Date.parse(first.thisUpdate));
  });

  it('a revocation re-signs the CRL at once and it lists the serial', async () => {
    const cert = await service.create({ environment: 'production', commonName: 'crl.example.com', validity: '1h', keyType: 'ED25519' });
    const before = await service.crl('production', 'intermediate');
    const revoked = await service.revoke('production', cert.id, 'superseded');
    const after = await service.crl('production', 'intermediate');
    expect(after.number).toBe(revoked.crlNumber);
    expect(after.number).toBeGreaterThan(before.number);
    expect(after.revokedCount).toBe(1);
    await expect(service.revoke('production', cert.id, 'bogus')).rejects.toMatchObject({ code: 'invalid_reason' });
  });

  it('a generated leaf key is stored nowhere, even behind the barrier; the CA keys only there', async () => {
    const cert = await service.create({ environment: 'production', commonName: 'custody.example.com', validity: '1h', keyType: 'ECDSA_P256' });
    const scalar = Buffer.from(createPrivateKey(cert.privateKey).export({ format: 'jwk' }).d!, 'base64url');
    const plaintexts: Buffer[] = [];
    for await (const [key] of raw.entries('')) {
      const value = key === 'sys/barrier-key' ? undefined : await store.getBytes(key);
      if (value) plaintexts.push(Buffer.from(value));
    }
    expect(plaintexts.length).toBeGreaterThan(4);
    expect(plaintexts.some((p) => p.includes(scalar))).toBe(false);
    expect(JSON.stringify(await service.get('production', cert.id))).not.toContain('PRIVATE KEY');
    const { root, intermediate } = await service.authority('production');
    expect(JSON.stringify({ root, intermediate })).not.toContain('PRIVATE KEY');
    // The CA keys exist only as barrier ciphertext.
    const caKeyPaths: string[] = [];
    for await (const [key] of raw.entries('pki/cakey/')) caKeyPaths.push(key);
    expect(caKeyPaths).toEqual(['pki/cakey/production/intermediate', 'pki/cakey/production/root']);
  });
});
