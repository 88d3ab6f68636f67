/** The gateway's `pki` option and its validation, done where the gateway is configured. */

export interface PkiGatewayOptions {
  /**
   * The gateway's address as relying parties reach it (`http://pki.example.com`, optionally with a path
   * prefix a proxy adds). When set, issued certificates name their issuer's public CRL under it in a
   * CRL Distribution Points extension; without it they carry none, since a wrong address is worse.
   */
  publicBaseUrl?: string;
}

const KNOWN: ReadonlyArray<keyof PkiGatewayOptions> = ['publicBaseUrl'];
// Room for the CRL path after it, well inside what clients accept in a certificate URI.
const MAX_BASE_URL = 1024;

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : String(value));

/** Unknown keys are refused, so a typo cannot silently leave certificates without a distribution point. */
export function parsePkiOptions(value: unknown): PkiGatewayOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`"pki" expected an object, got ${show(value)}`);
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).find((k) => !(KNOWN as string[]).includes(k));
  if (unknown !== undefined) throw new TypeError(`"pki" has no option "${unknown}" (expected ${KNOWN.join(', ')})`);
  return raw.publicBaseUrl === undefined ? {} : { publicBaseUrl: parsePublicBaseUrl(raw.publicBaseUrl) };
}

/** An absolute http(s) URL without credentials, query or fragment; returned without a trailing slash. */
function parsePublicBaseUrl(value: unknown): string {
  const expected = '"pki.publicBaseUrl" expected an absolute http or https URL without credentials, query or fragment';
  if (typeof value !== 'string') throw new TypeError(`${expected}, got ${show(value)}`);
  if (value.length === 0 || value.length > MAX_BASE_URL) throw new RangeError(`"pki.publicBaseUrl" expected 1..${MAX_BASE_URL} characters, got ${value.length}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${expected}, got ${show(value)}`);
  }
  // Relying parties fetch the CRL anonymously: credentials in it would be published in every certificate.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
    throw new TypeError(`${expected}, got ${show(value)}`);
  }
  // The URL parser's form is ASCII (punycode, percent-escapes), as the certificate's IA5String requires.
  return url.href.replace(/\/+$/, '');
}
