/**
 * The auto-renewal schedule. Each certificate with auto-renewal on has an index entry
 * (`pki/renew/<env>/<id>`) next to its record, so a restarted gateway finds every pending renewal by
 * scanning the index, and a renewal whose time passed while the gateway was down runs at once.
 * The job itself (issue, store, notify) belongs to the service; this module only decides when.
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { certPath, type CertificateRecord } from './records.js';
import { KeyedTimers } from './timers.js';

export const renewIndexPath = (env: string, id: string) => `pki/renew/${env}/${id}`;
const INDEX_PREFIX = 'pki/renew/';

/** When a certificate is due: `renewBefore` ahead of its expiry. */
export function renewalDueAt(r: CertificateRecord): number | undefined {
  return r.autoRenewal ? Date.parse(r.notAfter) - r.autoRenewal.renewBeforeSeconds * 1000 : undefined;
}

export class RenewalScheduler {
  readonly #timers = new KeyedTimers();

  constructor(
    private readonly store: EncryptedStore,
    private readonly run: (environment: string, id: string) => Promise<void>,
    private readonly retryMs: number,
  ) {}

  /** Schedules every indexed renewal. */
  async start(): Promise<void> {
    for await (const key of this.store.keys(INDEX_PREFIX)) {
      const [env, id] = key.slice(INDEX_PREFIX.length).split('/');
      const record = await this.store.getJson<CertificateRecord>(certPath(env!, id!));
      if (record) this.schedule(record);
    }
  }

  schedule(r: CertificateRecord): void {
    const due = renewalDueAt(r);
    if (due === undefined) this.cancel(r.environment, r.id);
    else this.#at(r.environment, r.id, due);
  }

  cancel(environment: string, id: string): void {
    this.#timers.clear(`${environment}/${id}`);
  }

  close(): void {
    this.#timers.close();
  }

  #at(environment: string, id: string, atMs: number): void {
    this.#timers.set(`${environment}/${id}`, atMs, () => {
      // A failed attempt (issuer unavailable, store error) is retried later; the index entry stays.
      this.run(environment, id).catch(() => this.#at(environment, id, Date.now() + this.retryMs));
    });
  }
}
