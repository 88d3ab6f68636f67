/**
 * Which encoding a relying party wants a CRL in, from its Accept header. DER (`application/pkix-crl`,
 * RFC 2585) is what CRL clients fetch from a distribution point, so it wins unless PEM
 * (`application/x-pem-file`) is preferred outright: a higher q-value, or the only one of the two named.
 */
export type CrlFormat = 'der' | 'pem';

const DER_TYPE = 'application/pkix-crl';
const PEM_TYPE = 'application/x-pem-file';
// Headers longer than this are not worth parsing; they get the default.
const MAX_ACCEPT = 2048;

export function preferredCrlFormat(accept: string | undefined): CrlFormat {
  if (!accept || accept.length > MAX_ACCEPT) return 'der';
  let der = -1;
  let pem = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = qualityOf(params);
    if (type === DER_TYPE) der = Math.max(der, q);
    else if (type === PEM_TYPE) pem = Math.max(pem, q);
  }
  return pem > 0 && pem > der ? 'pem' : 'der';
}

/** The q parameter (RFC 9110 §12.4.2): 0..1, default 1; anything unreadable counts as 1. */
function qualityOf(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const value = Number(q.slice(2));
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
}
