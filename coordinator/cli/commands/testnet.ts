/** `luxkms testnet up`: a whole cluster on this machine, until SIGINT/SIGTERM. */
import { writeFile } from 'node:fs/promises';
import { resolve, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Testnet } from '../../../testnet/cluster.js';
import { usage, type Output } from '../output.js';

export const TESTNET_HELP = `luxkms testnet up [--nodes N] [--out FILE] [--dir DIR]

Starts N party nodes (default 3) as separate processes on 127.0.0.1; node 1 also runs the gateway.
When every node is connected and ready, writes FILE (default .testnet/testnet.json):
  { "gatewayUrl", "apiKey", "nodes": [{ "id", "peerId", "multiaddr", "dataDir", "pid", "controlUrl" }] }
Data directories live in DIR (default: beside FILE), so running it again restarts the same cluster.
Ctrl-C (SIGINT) or SIGTERM stops every node.`;

export async function testnetCommand(argv: string[], out: Output): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: { nodes: { type: 'string' }, out: { type: 'string' }, dir: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help || !sub) return out.result({ help: TESTNET_HELP }, TESTNET_HELP);
  if (sub !== 'up') throw usage(`unknown command "testnet ${sub}"\n\n${TESTNET_HELP}`);
  const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) throw usage(`--nodes expected integer 1..64, got "${values.nodes}"`);
  const outFile = resolve(values.out ?? '.testnet/testnet.json');
  const dir = resolve(values.dir ?? join(dirname(outFile), 'nodes'));
  out.progress(`starting ${nodes} party nodes in ${dir} …`);
  const testnet = await Testnet.start({ nodes, dir, log: (line) => out.progress(line) });
  const file = await testnet.file();
  await writeFile(outFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  out.result(
    { ...file, file: outFile },
    `testnet ready: ${nodes} nodes\n  gateway: ${file.gatewayUrl}\n  api key: ${file.apiKey}\n  file:    ${outFile}\nCtrl-C stops every node.`,
  );
  await new Promise<void>((done) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      out.progress('stopping the testnet …');
      void testnet.stop().then(done, done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
