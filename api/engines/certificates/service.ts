/**
 * The certificates engine: issues X.509 certificates from the environment's CA (generating the key pair
 * here, or certifying a caller's CSR), revokes or holds them in the issuer's CRL, renews them automatically
 * ahead of expiry, and lists and exports them. A private key generated here is returned once by
 * `create` and never stored; CA keys never leave `Authorities`.
 *
 * Layout: `pki/cert/<env>/<serial>` records, `pki/revoked/<env>/<ca>/<serial>` the entries CRLs are
 * built from, `pki/renew/<env>/<serial>` the renewal index; CA records and keys under `pki/ca*`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditEntry } from '../audit/chain.js';
import type { EncryptedStore } from '../../server/barrier.js';
import { conflict, GatewayError, invalid, notFound } from '../../server/errors.js';
import { KeyedMutex } from '../../server/keyed-mutex.js';
import type { WebhookService } from '../webhooks/service.js';
import { Authorities, BACKDATE_MS, DEFAULT_AUTHORITY_OPTIONS, INTERMEDIATE_ID, type AuthorityOptions } from './authority.js';
import { CrlPublisher, revokedPrefix, type RevokedEntry } from './crl.js';
import { parseDuration } from './duration.js';
import { generateKey, keyTypeOfPublicKey, pem, requireKeyType, spkiOf, type KeyType } from './key-types.js';
import { parseSans, requireCommonName, sanOfCommonName, type San } from './names.js';
import { keyUsagesOf, profileSpec, requireProfile, type Profile } from './profiles.js';
import { certPath, HOLD, infoOf, REVOCATION_REASONS, statusOf, type AutoRenewalConfig, type CaRecord, type CertificateInfo, type CertificateRecord, type CrlState, type RevocationReason } from './records.js';
import { renewalDueAt, renewIndexPath, RenewalScheduler } from './renewal.js';
import { parseCertificate, parseCsr, randomSerial, signCertificate, type Issuer } from './x509.js';

/** `publicBaseUrl` (from `AuthorityOptions`) is the gateway's `pki` option, checked by `parsePkiOptions`. */
export interface PkiOptions extends AuthorityOptions {
  /** How long each CRL is valid; it is re-signed at half this. */
  crlLifetimeSeconds: number;
  /** Delay before retrying a failed scheduled renewal. */
  renewalRetryMs: number;
}

export const DEFAULT_PKI_OPTIONS: PkiOptions = { ...DEFAULT_AUTHORITY_OPTIONS, crlLifetimeSeconds: 7 * 86_400, renewalRetryMs: 60_000 };

/** The audit log as this engine needs it: scheduled renewals are recorded like requests. */
export interface AuditSink {
  append(entry: AuditEntry): Promise<unknown>;
}

export interface CreateInput {
  environment: string;
  commonName: string;
  sans?: string[];
  validity: string;
  keyType: string;
  profile?: string;
  issuerId?: string;
}

export interface SignCsrInput {
  environment: string;
  csr: string;
  validity: string;
  profile?: string;
  /** Override the CSR's subject CN / SANs (the CSR's are used when absent). */
  commonName?: string;
  sans?: string[];
  issuerId?: string;
}

export type CertificateSummary = Omit<CertificateInfo, 'certificate' | 'chain'>;

export interface RenewalResult {
  certificate: CertificateInfo;
  previousId: string;
  webhookDelivery?: { id: string; status: string };
}

interface IssueSpec {
  environment: string;
  issuerId: string;
  commonName: string;
  sans: San[];
  profile: Profile;
  validitySeconds: number;
  validityText: string;
  /** Renewals end with the issuer instead of failing when the issuer has less time left than asked. */
  clampToIssuer?: boolean;
}

export class CertificateService {
  readonly authorities: Authorities;
  readonly #crls: CrlPublisher;
  readonly #renewals: RenewalScheduler;
  readonly #locks = new KeyedMutex();

  constructor(
    private readonly store: EncryptedStore,
    private readonly webhooks: WebhookService,
    private readonly audit: AuditSink,
    options: PkiOptions = DEFAULT_PKI_OPTIONS,
    private readonly log: (message: string, err: unknown) => void = () => {},
  ) {
    this.authorities = new Authorities(store, options);
    this.#crls = new CrlPublisher(store, this.authorities, options.crlLifetimeSeconds, (err, ca) => log(`CRL refresh of ${ca} failed`, err));
    this.#renewals = new RenewalScheduler(store, (env, id) => this.#scheduledRenewal(env, id), options.renewalRetryMs);
  }

  /** Schedules CRL refreshes and pending renewals (including those that fell due while stopped). */
  async start(): Promise<void> {
    await this.#crls.start();
    await this.#renewals.start();
  }

  close(): void {
    this.#crls.close();
    this.#renewals.close();
  }

  /** Generates a key pair and certifies it; the private key is in the answer and nowhere else. */
  async create(input: CreateInput): Promise<CertificateInfo & { privateKey: string }> {
    const keyType = requireKeyType(input.keyType);
    const spec = this.#spec(input.environment, input.commonName, input.sans ?? [], input.validity, input.profile, input.issuerId);
    const issuer = await this.authorities.issuer(spec.environment, spec.issuerId);
    // Everything the caller controls is checked (and the issuer's remaining validity too) before a key exists.
    this.#window(spec, issuer);
    const key = await generateKey(keyType);
    const record = this.#issue(spec, issuer, keyType, spkiOf(key.publicKey), 'generated');
    await this.store.putJson(certPath(record.environment, record.id), record);
    return { ...infoOf(record), privateKey: pem('PRIVATE KEY', key.pkcs8) };
  }

  /** Certifies the key of a caller's CSR after checking its signature; the CSR's names apply unless overridden. */
  async signCsr(input: SignCsrInput): Promise<CertificateInfo> {
    const csr = parseCsr(input.csr);
    const keyType = keyTypeOfPublicKey(csr.publicKey, 'csr');
    const commonName = input.commonName ?? csr.commonName;
    if (commonName === undefined) throw invalid('invalid_csr', '"csr" has no subject CN; pass "commonName"');
    const spec = this.#spec(input.environment, commonName, input.sans ?? csr.sans, input.validity, input.profile, input.issuerId);
    const record = this.#issue(spec, await this.authorities.issuer(spec.environment, spec.issuerId), keyType, csr.spki, 'csr');
    await this.store.putJson(certPath(record.environment, record.id), record);
    return infoOf(record);
  }

  async get(environment: string, id: string): Promise<CertificateInfo> {
    return infoOf(await this.#require(environment, id));
  }

  async list(environment: string, query: { status?: string; limit: number; cursor?: string }): Promise<{ certificates: CertificateSummary[]; nextCursor?: string }> {
    const prefix = `pki/cert/${environment}/`;
    const out: CertificateSummary[] = [];
    const after = query.cursor === undefined ? undefined : prefix + query.cursor;
    for await (const [, r] of this.store.entriesJson<CertificateRecord>(prefix, after ? { after } : undefined)) {
      if (query.status && statusOf(r) !== query.status) continue;
      if (out.length === query.limit) return { certificates: out, nextCursor: out[out.length - 1]!.id };
      const { certificate: _c, chain: _ch, ...summary } = infoOf(r);
      out.push(summary);
    }
    return { certificates: out };
  }

  /** The certificate and its chain up to the root, as PEM text or base64 DER. */
  async export(environment: string, id: string, format: 'pem' | 'der'): Promise<{ id: string; format: 'pem' | 'der'; certificate: string; chain: string[]; fullChain?: string }> {
    const r = await this.#require(environment, id);
    if (format === 'pem') return { id, format, certificate: r.certificate, chain: r.chain, fullChain: [r.certificate, ...r.chain].join('') };
    const b64 = (text: string) => Buffer.from(parseCertificate(text, 'certificate').der).toString('base64');
    return { id, format, certificate: b64(r.certificate), chain: r.chain.map(b64) };
  }

  /**
   * Revokes into the issuer's CRL, which is re-signed at once. Every reason but certificateHold is final
   * and ends auto-renewal; a hold leaves the certificate `held` with auto-renewal paused until
   * `releaseHold`, and a final revocation of a held certificate replaces the hold.
   */
  async revoke(environment: string, id: string, reasonName = 'unspecified'): Promise<CertificateInfo & { crlNumber: number }> {
    const reason = reasonName as RevocationReason;
    if (!Object.hasOwn(REVOCATION_REASONS, reason)) throw invalid('invalid_reason', `"reason" expected one of ${Object.keys(REVOCATION_REASONS).join(', ')}, got "${reasonName.slice(0, 40)}"`);
    return this.#locks.run(certPath(environment, id), async () => {
      const r = await this.#require(environment, id);
      const held = r.revocation?.reason === HOLD;
      if (r.revocation && !held) throw conflict('already_revoked', `certificate "${id}" was already revoked at ${r.revocation.revokedAt}`);
      if (held && reason === HOLD) throw conflict('already_held', `certificate "${id}" has been on hold since ${r.revocation!.revokedAt}`);
      // Revoking a held certificate keeps the hold's date: it has not been trustworthy since then, and a
      // later date would make what was signed with it during the hold look valid.
      const revokedAt = r.revocation?.revokedAt ?? new Date().toISOString();
      // A hold keeps the auto-renewal settings for the release; only their schedule stops.
      const { autoRenewal: _off, ...rest } = r;
      const next: CertificateRecord = { ...(reason === HOLD ? r : rest), revocation: { reason, revokedAt } };
      const entry: RevokedEntry = { serialNumber: r.id, revokedAt, reasonCode: REVOCATION_REASONS[reason] };
      await this.store.batch([
        this.store.putJsonOp(certPath(environment, id), next),
        this.store.putJsonOp(revokedPrefix(environment, r.issuerId) + r.id, entry),
        { type: 'del', key: renewIndexPath(environment, id) },
      ]);
      this.#renewals.cancel(environment, id);
      const crl = await this.#crls.regenerate(environment, r.issuerId);
      return { ...infoOf(next), crlNumber: crl.number };
    });
  }

  /** Ends a certificateHold: the entry leaves the CRL (re-signed at once) and paused auto-renewal resumes. */
  releaseHold(environment: string, id: string): Promise<CertificateInfo & { crlNumber: number }> {
    return this.#locks.run(certPath(environment, id), async () => {
      const r = await this.#require(environment, id);
      if (r.revocation?.reason !== HOLD) {
        throw conflict(
          'not_on_hold',
          r.revocation
            ? `certificate "${id}" was revoked (${r.revocation.reason}) at ${r.revocation.revokedAt}, which is final; only a certificateHold can be released`
            : `certificate "${id}" is not on hold; nothing to release`,
        );
      }
      const { revocation: _released, ...next } = r;
      await this.store.batch([
        this.store.putJsonOp(certPath(environment, id), next),
        { type: 'del', key: revokedPrefix(environment, r.issuerId) + r.id },
        ...(next.autoRenewal ? [this.store.putJsonOp(renewIndexPath(environment, id), {})] : []),
      ]);
      // A renewal that fell due during the hold runs at once.
      this.#renewals.schedule(next);
      const crl = await this.#crls.regenerate(environment, r.issuerId);
      return { ...infoOf(next), crlNumber: crl.number };
    });
  }

  /** Turns on renewal `renewBefore` ahead of expiry; the new certificate is announced to `notifyWebhook`. */
  async enableAutoRenewal(environment: string, input: { certId: string; renewBefore: string; notifyWebhook?: string }): Promise<{ certId: string; renewBefore: string; nextRenewalAt: string; notifyWebhook?: string }> {
    const renewBeforeSeconds = parseDuration(input.renewBefore, 'renewBefore');
    if (input.notifyWebhook !== undefined) this.webhooks.checkTarget(input.notifyWebhook);
    return this.#locks.run(certPath(environment, input.certId), async () => {
      const r = await this.#require(environment, input.certId);
      const status = statusOf(r);
      if (status !== 'active') throw conflict(`certificate_${status}`, `certificate "${r.id}" is ${status}; only active certificates renew`);
      if (r.renewedBy) throw conflict('already_renewed', `certificate "${r.id}" was renewed as "${r.renewedBy}"; configure that one`);
      const lifetime = (Date.parse(r.notAfter) - Date.parse(r.notBefore)) / 1000;
      if (renewBeforeSeconds >= lifetime) {
        throw invalid('renew_before_too_long', `"renewBefore" (${input.renewBefore}) must be shorter than the certificate's lifetime (${Math.floor(lifetime)}s), or every renewal would renew again at once`);
      }
      const autoRenewal: AutoRenewalConfig = { renewBefore: input.renewBefore, renewBeforeSeconds, ...(input.notifyWebhook ? { notifyWebhook: input.notifyWebhook } : {}) };
      const next = { ...r, autoRenewal };
      await this.store.batch([this.store.putJsonOp(certPath(environment, r.id), next), this.store.putJsonOp(renewIndexPath(environment, r.id), {})]);
      this.#renewals.schedule(next);
      return { certId: r.id, renewBefore: input.renewBefore, nextRenewalAt: new Date(renewalDueAt(next)!).toISOString(), ...(input.notifyWebhook ? { notifyWebhook: input.notifyWebhook } : {}) };
    });
  }

  disableAutoRenewal(environment: string, id: string): Promise<CertificateInfo> {
    return this.#locks.run(certPath(environment, id), async () => {
      const { autoRenewal: _off, ...rest } = await this.#require(environment, id);
      await this.store.batch([this.store.putJsonOp(certPath(environment, id), rest), { type: 'del', key: renewIndexPath(environment, id) }]);
      this.#renewals.cancel(environment, id);
      return infoOf(rest);
    });
  }

  /**
   * Issues the successor: same subject, SANs, profile, issuer, lifetime and public key (the holder keeps
   * its private key, which was never stored here). Lineage is recorded both ways, auto-renewal moves to
   * the successor, and its webhook receives the new certificate and chain.
   */
  renew(environment: string, id: string): Promise<RenewalResult> {
    return this.#locks.run(certPath(environment, id), async () => {
      const old = await this.#require(environment, id);
      if (old.revocation) {
        const status = statusOf(old);
        throw conflict(`certificate_${status}`, `certificate "${id}" is ${status === 'held' ? 'on hold' : 'revoked'} and cannot be renewed`);
      }
      if (old.renewedBy) throw conflict('already_renewed', `certificate "${id}" was already renewed as "${old.renewedBy}"`);
      const spec: IssueSpec = {
        environment,
        issuerId: old.issuerId,
        commonName: old.commonName,
        sans: parseSans(old.sans),
        profile: old.profile,
        validitySeconds: old.validitySeconds,
        validityText: `${old.validitySeconds}s`,
        clampToIssuer: true,
      };
      const publicKey = parseCertificate(old.certificate, 'certificate').publicKey;
      const fresh = this.#issue(spec, await this.authorities.issuer(environment, old.issuerId), old.keyType, spkiOf(publicKey), 'renewal');
      const { lastError: _e, ...carried } = old.autoRenewal ?? ({} as AutoRenewalConfig);
      const successor: CertificateRecord = { ...fresh, renewedFrom: old.id, ...(old.autoRenewal ? { autoRenewal: carried } : {}) };
      const { autoRenewal: _moved, ...predecessor } = old;
      await this.store.batch([
        this.store.putJsonOp(certPath(environment, successor.id), successor),
        this.store.putJsonOp(certPath(environment, old.id), { ...predecessor, renewedBy: successor.id }),
        { type: 'del', key: renewIndexPath(environment, old.id) },
        ...(successor.autoRenewal ? [this.store.putJsonOp(renewIndexPath(environment, successor.id), {})] : []),
      ]);
      this.#renewals.cancel(environment, old.id);
      this.#renewals.schedule(successor);
      const result: RenewalResult = { certificate: infoOf(successor), previousId: old.id };
      const url = successor.autoRenewal?.notifyWebhook;
      if (url) {
        const delivery = await this.webhooks.enqueue(url, 'certificate.renewed', {
          environment,
          certId: successor.id,
          previousCertId: old.id,
          commonName: successor.commonName,
          sans: successor.sans,
          notBefore: successor.notBefore,
          notAfter: successor.notAfter,
          certificate: successor.certificate,
          chain: successor.chain,
        });
        result.webhookDelivery = { id: delivery.id, status: delivery.status };
      }
      return result;
    });
  }

  /** The environment's root and intermediate CA (created on first use). */
  authority(environment: string): Promise<{ root: CaRecord; intermediate: CaRecord }> {
    return this.authorities.ensure(environment);
  }

  async importAuthority(environment: string, input: { name: string; certificate: string; privateKey: string; chain?: string[] }): Promise<CaRecord> {
    const ca = await this.authorities.importCa(environment, input);
    await this.#crls.regenerate(environment, ca.id);
    return ca;
  }

  crl(environment: string, caId: string): Promise<CrlState> {
    return this.#crls.current(environment, caId);
  }

  /** The CRL as published to relying parties without an API key; undefined for a CA that does not exist. */
  publishedCrl(environment: string, caId: string): Promise<CrlState | undefined> {
    return this.#crls.published(environment, caId);
  }

  /** A renewal the scheduler started: audited like a request, failures kept on the record and retried. */
  async #scheduledRenewal(environment: string, id: string): Promise<void> {
    const r = await this.store.getJson<CertificateRecord>(certPath(environment, id));
    if (!r?.autoRenewal || r.revocation || r.renewedBy) return;
    const entry = (result: AuditEntry['result'], code: string): AuditEntry => ({
      requestId: randomUUID(), actor: null, action: 'renew', resource: `certificate:${id}`, environment, result, code,
      sourceIp: 'internal', method: 'SCHEDULE', path: `auto-renewal/${environment}/${id}`,
    });
    // As for requests: no audit record, no operation.
    await this.audit.append(entry('allowed', 'auto_renewal'));
    try {
      await this.renew(environment, id);
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : 'internal_error';
      this.log(`auto-renewal of certificate ${environment}/${id} failed`, err);
      await this.audit.append(entry('failed', code)).catch(() => {});
      await this.#locks.run(certPath(environment, id), async () => {
        const current = await this.store.getJson<CertificateRecord>(certPath(environment, id));
        if (current?.autoRenewal) await this.store.putJson(certPath(environment, id), { ...current, autoRenewal: { ...current.autoRenewal, lastError: `${code}: ${(err as Error).message}`.slice(0, 500) } });
      }).catch(() => {});
      throw err;
    }
  }

  #spec(environment: string, commonName: string, sans: string[], validity: string, profile: string | undefined, issuerId: string | undefined): IssueSpec {
    const p = requireProfile(profile ?? 'server');
    const cn = requireCommonName(commonName);
    const parsed = parseSans(sans);
    if (profileSpec(p).needsSan && parsed.length === 0) {
      const fromCn = sanOfCommonName(cn);
      if (!fromCn) throw invalid('san_required', `"sans": a server certificate needs at least one DNS name or IP address, and "commonName" ("${cn}") is neither`);
      parsed.push(fromCn);
    }
    return { environment, issuerId: issuerId ?? INTERMEDIATE_ID, commonName: cn, sans: parsed, profile: p, validitySeconds: parseDuration(validity, 'validity'), validityText: validity };
  }

  /** The validity window, refusing (or, for renewals, clamping) one that outlives the issuer. */
  #window(spec: IssueSpec, issuer: Issuer): { notBefore: Date; notAfter: Date } {
    const now = Date.now();
    const issuerEnd = issuer.certificate.notAfter.getTime();
    let notAfter = now + spec.validitySeconds * 1000;
    if (notAfter > issuerEnd) {
      if (!spec.clampToIssuer) {
        throw invalid(
          'validity_exceeds_issuer',
          `"validity" ${spec.validityText} would end ${new Date(notAfter).toISOString()}, after issuer "${spec.issuerId}" expires (${issuer.certificate.notAfter.toISOString()}); at most ${Math.floor((issuerEnd - now) / 86_400_000)}d remain`,
        );
      }
      notAfter = issuerEnd;
    }
    if (notAfter <= now) throw invalid('issuer_expired', `issuer "${spec.issuerId}" expired at ${issuer.certificate.notAfter.toISOString()}`);
    return { notBefore: new Date(Math.max(now - BACKDATE_MS, issuer.certificate.notBefore.getTime())), notAfter: new Date(notAfter) };
  }

  #issue(spec: IssueSpec, issuer: Issuer & { record: CaRecord }, keyType: KeyType, spki: Uint8Array, source: CertificateRecord['source']): CertificateRecord {
    const { notBefore, notAfter } = this.#window(spec, issuer);
    const cert = signCertificate(
      {
        serial: randomSerial(randomBytes(16)),
        subject: { commonName: spec.commonName },
        spki,
        notBefore,
        notAfter,
        keyUsages: keyUsagesOf(spec.profile, keyType),
        extendedKeyUsages: profileSpec(spec.profile).extendedKeyUsages,
        sans: spec.sans,
        crlUrls: this.authorities.crlUrls(spec.environment, spec.issuerId),
      },
      issuer,
    );
    return {
      id: cert.serial,
      environment: spec.environment,
      issuerId: spec.issuerId,
      profile: spec.profile,
      keyType,
      commonName: spec.commonName,
      sans: spec.sans.map((s) => s.value),
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      validitySeconds: spec.validitySeconds,
      source,
      certificate: cert.pem,
      chain: [issuer.record.certificate, ...issuer.record.chain],
      createdAt: new Date().toISOString(),
    };
  }

  async #require(environment: string, id: string): Promise<CertificateRecord> {
    const r = await this.store.getJson<CertificateRecord>(certPath(environment, id));
    if (!r) throw notFound('certificate_not_found', `certificate "${id}" does not exist in environment "${environment}"`);
    return r;
  }
}
