/**
 * The coordinator's view of a cluster: which nodes exist, where their control APIs are, and their tokens —
 * from a cluster file (`--cluster`) or a running testnet's file (`--testnet`) — plus a small HTTP client.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError, ProtocolAbort, TransportError } from '../protocols/errors.js';

export interface NodeEndpoint {
  id: number;
  peerId: string;
  controlUrl: string;
  token: string;
}

async function readJson(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InvalidInputError(`cannot read ${what} ${file}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidInputError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Cluster file: `{ "nodes": [{ "id", "peerId", "controlUrl", "tokenFile" | "token" }] }`.
 * Testnet file (written by `testnet up`): nodes carry `controlUrl` and `dataDir`, the token is in the data dir.
 */
export async function loadEndpoints(source: { cluster?: string; testnet?: string }): Promise<NodeEndpoint[]> {
  const file = source.cluster ?? source.testnet;
  if (!file) throw new InvalidInputError('pass --cluster FILE or --testnet FILE');
  const what = source.cluster ? 'cluster file' : 'testnet file';
  const json = await readJson(file, what);
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw new InvalidInputError(`${what} ${file} has no "nodes" list`);
  const base = dirname(resolve(file));
  const out: NodeEndpoint[] = [];
  for (const [i, raw] of (json.nodes as Record<string, unknown>[]).entries()) {
    if (typeof raw !== 'object' || raw === null) throw new InvalidInputError(`${what}: nodes[${i}] expected an object`);
    const { id, peerId, controlUrl } = raw;
    if (typeof id !== 'number' || typeof peerId !== 'string' || typeof controlUrl !== 'string') {
      throw new InvalidInputError(`${what}: nodes[${i}] expected "id", "peerId" and "controlUrl"`);
    }
    let token = typeof raw.token === 'string' ? raw.token : undefined;
    const tokenFile = typeof raw.tokenFile === 'string' ? resolve(base, raw.tokenFile) : typeof raw.dataDir === 'string' ? join(resolve(base, raw.dataDir), 'control.token') : undefined;
    if (!token && tokenFile) token = (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
    if (!token) throw new InvalidInputError(`${what}: no control token for node ${id}`);
    out.push({ id, peerId, controlUrl: controlUrl.replace(/\/$/, ''), token });
  }
  return out;
}

/** Map "1,2,3" or peer ids to node ids. */
export function resolveParties(spec: string, endpoints: NodeEndpoint[], flag = '--parties'): number[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidInputError(`${flag} expected a comma-separated list of node ids or peer ids`);
  return parts.map((part) => {
    const byPeer = endpoints.find((e) => e.peerId === part);
    if (byPeer) return byPeer.id;
    const id = Number(part);
    if (!Number.isInteger(id) || !endpoints.some((e) => e.id === id)) throw new InvalidInputError(`${flag}: "${part}" is not a node of this cluster`);
    return id;
  });
}

export async function callNode<T>(endpoint: NodeEndpoint, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 600_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(endpoint.controlUrl + path, {
      method,
      headers: { authorization: `Bearer ${endpoint.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new TransportError(`node ${endpoint.id} at ${endpoint.controlUrl} is unreachable: ${(e as Error).message}`, [endpoint.id], 'node_unreachable');
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return json as T;
  const message = typeof json.message === 'string' ? json.message : `HTTP ${response.status}`;
  if (response.status === 400 || response.status === 404) throw new InvalidInputError(message, typeof json.code === 'string' ? json.code : 'invalid_input');
  if (response.status === 409) throw new ProtocolAbort(message, Number(json.round ?? 0), (json.culprits as number[]) ?? []);
  if (response.status === 504) throw new TransportError(message, (json.parties as number[]) ?? [], typeof json.code === 'string' ? json.code : 'transport_error');
  throw new Error(`node ${endpoint.id}: ${message}`);
}
