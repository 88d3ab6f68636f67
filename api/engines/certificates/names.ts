/**
 * Subject names and subject alternative names. A SAN is given as a plain string and classified by its
 * shape: an IP literal is an iPAddress, `scheme:...` a URI, `local@domain` an email, anything else a DNS
 * name. Each is validated strictly before anything is signed, because a certificate cannot be edited once
 * issued: a wildcard is only allowed as the whole left-most label and never directly over a top-level
 * label, and names are stored lowercase so duplicates are caught.
 */
import { isIP } from 'node:net';
import { invalid } from '../../server/errors.js';

export type SanKind = 'dns' | 'ip' | 'uri' | 'email';
export interface San {
  kind: SanKind;
  value: string;
}

export const MAX_SANS = 100;
const MAX_COMMON_NAME = 64; // RFC 5280 upper bound ub-common-name
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function parseSan(raw: string, field: string): San {
  const fail = (why: string) => invalid('invalid_san', `"${field}" ${why}, got "${raw.slice(0, 100)}"`);
  if (raw.length === 0 || raw.length > 1024) throw fail('expected 1..1024 characters');
  if (isIP(raw)) return { kind: 'ip', value: raw };
  if (URI_SCHEME.test(raw)) {
    if (/[\s<>"{}|\\^`]/.test(raw) || !URL.canParse(raw)) throw fail('expected an absolute URI');
    return { kind: 'uri', value: raw };
  }
  if (raw.includes('@')) {
    const [local, domain, ...rest] = raw.split('@');
    if (rest.length || !local || !/^[\x21-\x7e]+$/.test(local) || !domain || !isDnsName(domain.toLowerCase(), false)) throw fail('expected an email address local@domain');
    return { kind: 'email', value: `${local}@${domain.toLowerCase()}` };
  }
  const dns = raw.toLowerCase().replace(/\.$/, '');
  if (!isDnsName(dns, true)) {
    throw fail(dns.includes('*') ? 'expected a wildcard only as the whole left-most label over at least two labels (like "*.example.com")' : 'expected a DNS name, IP address, URI or email address');
  }
  return { kind: 'dns', value: dns };
}

function isDnsName(name: string, allowWildcard: boolean): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  if (labels[0] === '*') {
    // "*.com" would match every name under a top-level label: refuse it, as public CAs must.
    if (!allowWildcard || labels.length < 3) return false;
    labels.shift();
  }
  return labels.every((l) => LABEL.test(l));
}

/** Parses, lowercases and de-duplicates a SAN list, keeping the caller's order. */
export function parseSans(raw: readonly string[], field = 'sans'): San[] {
  if (raw.length > MAX_SANS) throw invalid('invalid_san', `"${field}" expected at most ${MAX_SANS} names, got ${raw.length}`);
  const seen = new Set<string>();
  const out: San[] = [];
  raw.forEach((r, i) => {
    const san = parseSan(r, `${field}[${i}]`);
    const key = `${san.kind}:${san.value}`;
    if (!seen.has(key)) out.push(san), seen.add(key);
  });
  return out;
}

export function requireCommonName(cn: string, field = 'commonName'): string {
  if (cn.length === 0 || cn.length > MAX_COMMON_NAME) throw invalid('invalid_common_name', `"${field}" expected 1..${MAX_COMMON_NAME} characters, got ${cn.length}`);
  // Control characters would let a name display as something it is not.
  if (/[\x00-\x1f\x7f]/.test(cn)) throw invalid('invalid_common_name', `"${field}" must not contain control characters`);
  return cn;
}

/** The SAN a bare common name stands for, when it is a valid host name or IP (for server certificates). */
export function sanOfCommonName(cn: string): San | undefined {
  try {
    const san = parseSan(cn, 'commonName');
    return san.kind === 'dns' || san.kind === 'ip' ? san : undefined;
  } catch {
    return undefined;
  }
}
