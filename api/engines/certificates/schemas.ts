/** Request and response schemas of the certificates engine. */
import { Type, type Static } from '@sinclair/typebox';
import { ENVIRONMENT_NAME, OBJECT_NAME, PAGE_QUERY, TIMESTAMP } from '../../server/schemas.js';
import { KEY_TYPES } from './key-types.js';
import { PROFILES } from './profiles.js';
import { CERTIFICATE_STATUSES, REVOCATION_REASONS } from './records.js';

const union = (values: readonly string[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });
// Key types and profiles are checked by the service too, so an unknown one gets the service's message.
const KEY_TYPE = Type.String({ maxLength: 32, description: `one of ${KEY_TYPES.join(', ')}` });
const PROFILE = Type.String({ maxLength: 32, description: `one of ${PROFILES.join(', ')} (default server)` });
const DURATION = Type.String({ maxLength: 16, description: 'an integer and a unit: "365d", "12h", "30m", "90s"' });
const SANS = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100, description: 'DNS names (wildcards as "*.example.com"), IP addresses, URIs, email addresses' });
const PEM = Type.String({ maxLength: 32_768 });
const CERT_ID = Type.String({ pattern: '^[0-9a-f]{1,40}$', description: 'the serial number in lowercase hex' });
const CA_ID = OBJECT_NAME;

export const EnvParams = Type.Object({ environment: ENVIRONMENT_NAME });
export const CertParams = Type.Object({ environment: ENVIRONMENT_NAME, id: CERT_ID });
export const CaParams = Type.Object({ environment: ENVIRONMENT_NAME, caId: CA_ID });

export const CreateBody = Type.Object(
  {
    commonName: Type.String({ maxLength: 256 }),
    sans: Type.Optional(SANS),
    validity: DURATION,
    keyType: KEY_TYPE,
    profile: Type.Optional(PROFILE),
    issuerId: Type.Optional(CA_ID),
  },
  { additionalProperties: false },
);
export const SignCsrBody = Type.Object(
  {
    csr: PEM,
    validity: DURATION,
    profile: Type.Optional(PROFILE),
    commonName: Type.Optional(Type.String({ maxLength: 256 })),
    sans: Type.Optional(SANS),
    issuerId: Type.Optional(CA_ID),
  },
  { additionalProperties: false },
);
export const RevokeBody = Type.Object({ reason: Type.Optional(union(Object.keys(REVOCATION_REASONS), 'RFC 5280 revocation reason')) }, { additionalProperties: false });
export const AutoRenewalBody = Type.Object(
  { renewBefore: DURATION, notifyWebhook: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) },
  { additionalProperties: false },
);
export const ImportCaBody = Type.Object(
  { name: CA_ID, certificate: PEM, privateKey: PEM, chain: Type.Optional(Type.Array(PEM, { maxItems: 8 })) },
  { additionalProperties: false },
);
export const ListQuery = Type.Object({ status: Type.Optional(union(CERTIFICATE_STATUSES, 'filter by status')), ...PAGE_QUERY }, { additionalProperties: false });
export const PublicCrlQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('der'), Type.Literal('pem')], { description: 'der (default; or as the Accept header prefers) or pem' })) },
  { additionalProperties: false },
);
export const PublicCrlAnswer = Type.Unsafe<Uint8Array>({
  description: 'The CRL: DER as application/pkix-crl (RFC 2585), or PEM as application/x-pem-file',
  content: { 'application/pkix-crl': { schema: { type: 'string', format: 'binary' } }, 'application/x-pem-file': { schema: { type: 'string' } } },
});
export const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('pem'), Type.Literal('der')], { description: 'pem (default) or base64 DER' })) }, { additionalProperties: false });

const Summary = {
  id: Type.String(),
  serialNumber: Type.String(),
  environment: Type.String(),
  issuerId: Type.String(),
  profile: Type.String(),
  keyType: Type.String(),
  commonName: Type.String(),
  sans: Type.Array(Type.String()),
  notBefore: TIMESTAMP,
  notAfter: TIMESTAMP,
  validitySeconds: Type.Integer(),
  source: Type.String(),
  status: Type.String(),
  createdAt: TIMESTAMP,
  revocation: Type.Optional(Type.Object({ reason: Type.String(), revokedAt: TIMESTAMP })),
  autoRenewal: Type.Optional(Type.Object({ renewBefore: Type.String(), renewBeforeSeconds: Type.Integer(), notifyWebhook: Type.Optional(Type.String()), lastError: Type.Optional(Type.String()) })),
  renewedFrom: Type.Optional(Type.String()),
  renewedBy: Type.Optional(Type.String()),
};
export const CertificateSummary = Type.Object(Summary);
export const Certificate = Type.Object({ ...Summary, certificate: Type.String({ description: 'PEM' }), chain: Type.Array(Type.String(), { description: 'PEM, issuer first, root last' }) });
export const CreatedCertificate = Type.Object({ ...Certificate.properties, privateKey: Type.String({ description: 'PKCS#8 PEM; returned this once, never stored' }) });
export const RevokedCertificate = Type.Object({ ...Certificate.properties, crlNumber: Type.Integer() });
export const CertificatePage = Type.Object({ certificates: Type.Array(CertificateSummary), nextCursor: Type.Optional(Type.String()) });
export const Exported = Type.Object({ id: Type.String(), format: Type.String(), certificate: Type.String(), chain: Type.Array(Type.String()), fullChain: Type.Optional(Type.String()) });
export const AutoRenewal = Type.Object({ certId: Type.String(), renewBefore: Type.String(), nextRenewalAt: TIMESTAMP, notifyWebhook: Type.Optional(Type.String()) });
export const Renewal = Type.Object({ certificate: Certificate, previousId: Type.String(), webhookDelivery: Type.Optional(Type.Object({ id: Type.String(), status: Type.String() })) });

export const Authority = Type.Object({
  id: Type.String(),
  environment: Type.String(),
  kind: Type.String(),
  keyType: Type.String(),
  subject: Type.String(),
  serialNumber: Type.String(),
  notBefore: TIMESTAMP,
  notAfter: TIMESTAMP,
  certificate: Type.String(),
  chain: Type.Array(Type.String()),
  createdAt: TIMESTAMP,
});
export const AuthorityPair = Type.Object({ root: Authority, intermediate: Authority });
export const AuthorityList = Type.Object({ authorities: Type.Array(Authority) });
export const Crl = Type.Object({
  issuerId: Type.String(),
  environment: Type.String(),
  number: Type.Integer(),
  thisUpdate: TIMESTAMP,
  nextUpdate: TIMESTAMP,
  revokedCount: Type.Integer(),
  crl: Type.String({ description: 'PEM' }),
});

export type EnvParamsT = Static<typeof EnvParams>;
export type CertParamsT = Static<typeof CertParams>;
export type CaParamsT = Static<typeof CaParams>;
