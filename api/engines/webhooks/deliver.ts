/**
 * One webhook POST, made only to addresses that were checked. The host name is resolved once and every
 * address it resolves to must be public (one private address among public ones is enough to refuse: the
 * connection may land on any of them). The connection then goes to exactly those addresses, through a
 * `lookup` that hands them back instead of asking DNS again, so a name cannot resolve to a public address
 * for the check and to a private one for the connect (DNS rebinding). TLS still verifies the certificate
 * against the host name. Redirects are not followed: a redirect could point anywhere.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, nonPublicRange } from './target-policy.js';

/** The target is not allowed; trying again will not change that, so the delivery fails at once. */
export class WebhookTargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefusedError';
  }
}

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  allowPrivateTargets: boolean;
  /** Defaults to the system resolver; tests pass their own to model answers DNS would give. */
  resolve?: Resolver;
}

/** The addresses to connect to, each one checked; throws `WebhookTargetRefusedError` for a private one. */
export async function resolveTarget(url: URL, allowPrivateTargets: boolean, resolve: Resolver = systemResolver): Promise<LookupAddress[]> {
  const host = hostOf(url);
  const family = isIP(host);
  const addresses = family === 0 ? await resolve(host) : [{ address: host, family }];
  if (addresses.length === 0) throw new Error(`"${host}" resolved to no address`);
  if (!allowPrivateTargets) {
    for (const { address } of addresses) {
      const what = nonPublicRange(address);
      if (what !== undefined) {
        const where = family === 0 ? `"${host}" resolves to ${address}, which` : address;
        throw new WebhookTargetRefusedError(`webhook target ${where} is ${what}; private targets are refused unless the gateway sets webhooks.allowPrivateTargets`);
      }
    }
  }
  return addresses;
}

/** POSTs the body and answers the response status; the response body is not read. */
export async function postWebhook(url: URL, options: PostOptions): Promise<number> {
  const addresses = await resolveTarget(url, options.allowPrivateTargets, options.resolve);
  options.signal.throwIfAborted();
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) return callback(null, addresses);
    const wanted = lookupOptions.family === 6 || lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family === 4 || lookupOptions.family === 'IPv4' ? 4 : 0;
    const pick = addresses.find((a) => wanted === 0 || a.family === wanted) ?? addresses[0]!;
    callback(null, pick.address, pick.family);
  };
  const requestOptions: RequestOptions = {
    method: 'POST',
    headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
    lookup: pinned,
    signal: options.signal,
    // A fresh connection per delivery: a pooled socket could have been opened under another gateway's policy.
    agent: false,
  };
  return new Promise<number>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, requestOptions, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
