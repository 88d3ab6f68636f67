/**
 * One CRL per certificate authority. A CRL is re-signed whenever a certificate of that CA is revoked,
 * and on a schedule: halfway through its lifetime, so relying parties that fetch it regularly never hold
 * an expired one. The CRL number grows by one with every signing (RFC 5280 §5.2.3).
 */
import type { EncryptedStore } from '../../server/barrier.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import type { Authorities } from './authority.js';
import type { CaRecord, CrlState } from './records.js';
import { pem } from './key-types.js';
import { KeyedTimers } from './timers.js';
import { signCrl, type CrlEntry } from './x509.js';

export interface RevokedEntry {
  serialNumber: string;
  revokedAt: string;
  reasonCode: number;
}

// A failed scheduled signing (store down) is retried this much later, not in a tight loop.
const RETRY_MS = 60_000;
const crlPath = (env: string, caId: string) => `pki/crl/${env}/${caId}`;
export const revokedPrefix = (env: string, caId: string) => `pki/revoked/${env}/${caId}/`;

/**
 * Where relying parties fetch a CA's CRL without an API key (the public route in `routes.ts`, under the
 * API's `/v1`), as named in the CRL Distribution Points of the certificates it issues.
 */
export const PUBLIC_CRL_ROUTE = '/pki/crl/:environment/:caId.crl';
export const publicCrlUrl = (baseUrl: string, env: string, caId: string) => `${baseUrl}/v1/pki/crl/${env}/${caId}.crl`;

export class CrlPublisher {
  readonly #locks = new KeyedMutex();
  readonly #timers = new KeyedTimers();

  constructor(
    private readonly store: EncryptedStore,
    private readonly authorities: Authorities,
    private readonly lifetimeSeconds: number,
    private readonly onError: (err: unknown, ca: string) => void,
  ) {}

  /** Schedules the refresh of every CA's CRL (signing now any that is missing or past half-life). */
  async start(): Promise<void> {
    for await (const ca of this.authorities.all()) {
      const state = await this.store.getJson<CrlState>(crlPath(ca.environment, ca.id));
      if (state) this.#schedule(ca, state);
      else await this.regenerate(ca.environment, ca.id);
    }
  }

  close(): void {
    this.#timers.close();
  }

  /** The CA's current CRL, signing the first one on demand. */
  async current(environment: string, caId: string): Promise<CrlState> {
    await this.authorities.get(environment, caId);
    return (await this.store.getJson<CrlState>(crlPath(environment, caId))) ?? this.regenerate(environment, caId);
  }

  /**
   * The CRL as published to anyone: undefined for an unknown CA. Unlike `current`, it never creates an
   * environment's CAs, so an anonymous request can at most sign the first CRL of a CA that exists.
   */
  async published(environment: string, caId: string): Promise<CrlState | undefined> {
    const state = await this.store.getJson<CrlState>(crlPath(environment, caId));
    if (state) return state;
    return (await this.authorities.find(environment, caId)) ? this.regenerate(environment, caId) : undefined;
  }

  regenerate(environment: string, caId: string): Promise<CrlState> {
    return this.#locks.run(`${environment}/${caId}`, async () => {
      const issuer = await this.authorities.issuer(environment, caId, true);
      const previous = await this.store.getJson<CrlState>(crlPath(environment, caId));
      const entries: CrlEntry[] = [];
      for await (const [, e] of this.store.entriesJson<RevokedEntry>(revokedPrefix(environment, caId))) {
        entries.push({ serial: e.serialNumber, revokedAt: new Date(e.revokedAt), reason: e.reasonCode });
      }
      // thisUpdate is "now"; it is not backdated, so a CRL never claims to predate a revocation it lists.
      const thisUpdate = new Date();
      const nextUpdate = new Date(thisUpdate.getTime() + this.lifetimeSeconds * 1000);
      const number = (previous?.number ?? 0) + 1;
      const der = signCrl(issuer, { number, thisUpdate, nextUpdate, entries });
      const state: CrlState = {
        issuerId: caId,
        environment,
        number,
        thisUpdate: thisUpdate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
        revokedCount: entries.length,
        crl: pem('X509 CRL', der),
      };
      await this.store.putJson(crlPath(environment, caId), state);
      this.#schedule(issuer.record, state);
      return state;
    });
  }

  #schedule(ca: CaRecord, state: CrlState): void {
    const start = Date.parse(state.thisUpdate);
    this.#scheduleAt(ca, start + (Date.parse(state.nextUpdate) - start) / 2);
  }

  #scheduleAt(ca: CaRecord, atMs: number): void {
    this.#timers.set(`${ca.environment}/${ca.id}`, atMs, () => {
      this.regenerate(ca.environment, ca.id).catch((err) => {
        this.onError(err, `${ca.environment}/${ca.id}`);
        this.#scheduleAt(ca, Date.now() + RETRY_MS);
      });
    });
  }
}
