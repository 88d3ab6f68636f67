/** `luxkms coord …`: ceremonies driven through the nodes' control APIs, for security officers and scripts. */
import { parseArgs } from 'node:util';
import { callNode, loadEndpoints, resolveParties, type NodeEndpoint } from '../../control-client.js';
import { CliError, usage, type Output } from '../output.js';

export const COORD_HELP = `luxkms coord <command> (--cluster FILE | --testnet FILE) [--json]

Commands:
  keygen  --protocol cggmp21|frost|frost-taproot --threshold T --parties 1,2,3 [--key-id ID]
  sign    --key ID --hash HEX [--signers 1,3]
  reshare --key ID --parties 1,2,3,4,5 --threshold T
  refresh --key ID
  retire  --key ID      erase every node's share of the key for good (re-run it if it fails: it is idempotent)
  status  [--key ID]

Parties are testnet node ids or peer ids. --threshold is the minimum number of signers (2-of-3: --threshold 2).
Exit code 0 on success, 2 for bad input, 3 when a party misbehaved or was unreachable, 1 otherwise.`;

/**
 * While a ceremony runs, show its progress (sessions, rounds, who is still awaited) from the driving node's status,
 * on stderr and only for people (never with --json).
 */
async function withProgress<T>(out: Output, driver: NodeEndpoint, work: Promise<T>): Promise<T> {
  if (out.json) return work;
  let last = '';
  const timer = setInterval(() => {
    void callNode<{ sessions: { ceremony: string; round: number; waitingFor: number[] }[] }>(driver, 'GET', '/v1/status', undefined, 2_000)
      .then((status) => {
        const line = status.sessions
          .map((s) => `${s.ceremony}: round ${s.round}${s.waitingFor.length ? `, waiting for ${s.waitingFor.join(', ')}` : ''}`)
          .join('; ');
        if (line && line !== last) out.progress(`  … ${line}`);
        last = line;
      })
      .catch(() => undefined);
  }, 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** The node that drives a ceremony: the first reachable one among `preferred`, else any. */
async function pickDriver(endpoints: NodeEndpoint[], preferred: number[]): Promise<NodeEndpoint> {
  const ordered = [...endpoints.filter((e) => preferred.includes(e.id)), ...endpoints.filter((e) => !preferred.includes(e.id))];
  for (const endpoint of ordered) {
    const ok = await callNode(endpoint, 'GET', '/v1/status', undefined, 3_000).then(() => true, () => false);
    if (ok) return endpoint;
  }
  throw new CliError('no node of the cluster is reachable', 3, 'cluster_unreachable');
}

export async function coordCommand(argv: string[], out: Output): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      cluster: { type: 'string' },
      testnet: { type: 'string' },
      protocol: { type: 'string' },
      threshold: { type: 'string' },
      parties: { type: 'string' },
      signers: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      hash: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !sub) return out.result({ help: COORD_HELP }, COORD_HELP);
  const endpoints = await loadEndpoints({ ...(values.cluster ? { cluster: values.cluster } : {}), ...(values.testnet ? { testnet: values.testnet } : {}) });
  const threshold = () => {
    const t = Number(values.threshold);
    if (values.threshold === undefined || !Number.isInteger(t)) throw usage(`--threshold expected an integer, got ${values.threshold ?? 'nothing'}`);
    return t;
  };
  const key = () => {
    if (!values.key) throw usage('--key is required');
    return values.key;
  };

  switch (sub) {
    case 'keygen': {
      if (!values.protocol) throw usage('--protocol is required (cggmp21, frost or frost-taproot)');
      if (!values.parties) throw usage('--parties is required');
      const parties = resolveParties(values.parties, endpoints);
      const driver = await pickDriver(endpoints, parties);
      out.progress(`keygen (${values.protocol}, ${values.threshold}-of-${parties.length}) driven by node ${driver.id} …`);
      const result = await withProgress(
        out,
        driver,
        callNode<Record<string, unknown>>(driver, 'POST', '/v1/keygen', {
          protocol: values.protocol,
          threshold: threshold(),
          parties,
          ...(values['key-id'] ? { keyId: values['key-id'] } : {}),
        }),
      );
      return out.result(result, `key ${result.keyId}\n  protocol:   ${result.protocol}\n  public key: ${result.publicKey}\n  ${result.threshold}-of-${(result.parties as number[]).length}, generation ${result.generation}`);
    }
    case 'sign': {
      if (!values.hash) throw usage('--hash is required (32-byte hex)');
      const signers = values.signers ? resolveParties(values.signers, endpoints, '--signers') : undefined;
      const driver = await pickDriver(endpoints, signers ?? []);
      out.progress(`signing with key ${key()} via node ${driver.id} …`);
      const result = await callNode<Record<string, unknown>>(driver, 'POST', '/v1/sign', { keyId: key(), hash: values.hash, ...(signers ? { signers } : {}) });
      return out.result(result, `signature: ${result.signature}${result.recovery === undefined ? '' : `\nrecovery:  ${result.recovery}`}\nsigners:   ${(result.signers as number[]).join(', ')}`);
    }
    case 'reshare': {
      if (!values.parties) throw usage('--parties is required');
      const parties = resolveParties(values.parties, endpoints);
      const driver = await pickDriver(endpoints, parties);
      out.progress(`resharing key ${key()} to ${values.threshold}-of-${parties.length} via node ${driver.id} …`);
      const result = await withProgress(out, driver, callNode<Record<string, unknown>>(driver, 'POST', '/v1/reshare', { keyId: key(), parties, threshold: threshold() }));
      return out.result(result, `key ${result.keyId} now ${result.threshold}-of-${(result.parties as number[]).length}, generation ${result.generation}\n  public key: ${result.publicKey}`);
    }
    case 'refresh': {
      const driver = await pickDriver(endpoints, []);
      const result = await withProgress(out, driver, callNode<Record<string, unknown>>(driver, 'POST', '/v1/refresh', { keyId: key() }));
      return out.result(result, `key ${result.keyId} refreshed, generation ${result.generation}`);
    }
    case 'retire': {
      // Driven by a node that still holds the key when there is one: its record names the holders, so only they
      // must be online (a node without the record has to ask every member).
      const keyId = key();
      const holders = await Promise.all(
        endpoints.map((e) => callNode(e, 'GET', `/v1/keys/${encodeURIComponent(keyId)}`, undefined, 5_000).then(() => e.id, () => undefined)),
      );
      const driver = await pickDriver(endpoints, holders.filter((id): id is number => id !== undefined));
      out.progress(`retiring key ${keyId} via node ${driver.id} …`);
      const result = await withProgress(out, driver, callNode<{ keyId: string; retired: number[]; alreadyRetired: number[] }>(driver, 'POST', '/v1/retire', { keyId }));
      const already = result.alreadyRetired.length ? `\n  already retired on: ${result.alreadyRetired.join(', ')}` : '';
      return out.result(result as unknown as Record<string, unknown>, `key ${result.keyId} retired\n  shares erased on: ${result.retired.join(', ') || 'none'}${already}`);
    }
    case 'status': {
      const nodes = await Promise.all(
        endpoints.map((e) =>
          callNode<Record<string, unknown>>(e, 'GET', values.key ? `/v1/keys/${encodeURIComponent(values.key)}` : '/v1/status', undefined, 5_000).then(
            (status) => ({ id: e.id, reachable: true, status }),
            (error: Error) => ({ id: e.id, reachable: false, error: error.message }),
          ),
        ),
      );
      return out.result({ nodes }, nodes.map((n) => `node ${n.id}: ${n.reachable ? 'up' : `unreachable (${'error' in n ? n.error : ''})`}`).join('\n'));
    }
    default:
      throw usage(`unknown command "coord ${sub}"\n\n${COORD_HELP}`);
  }
}
