/** The `luxkms` command: node operators, testnet users and ceremony coordinators all start here. */
import { coordCommand, COORD_HELP } from './commands/coord.js';
import { nodeCommand, NODE_HELP } from './commands/node.js';
import { testnetCommand, TESTNET_HELP } from './commands/testnet.js';
import { createOutput, toCliError, usage } from './output.js';

const HELP = `luxkms — Lux KMS threshold key management

Usage:
  luxkms node init|start|status …    run a party node
  luxkms testnet up [--nodes N] …    a whole cluster on this machine
  luxkms coord keygen|sign|reshare|refresh|retire|status …   ceremonies

Every command takes --help; --json prints one JSON object on stdout.

${NODE_HELP}

${TESTNET_HELP}

${COORD_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  const [group, ...rest] = argv;
  try {
    switch (group) {
      case 'node':
        await nodeCommand(rest, out);
        break;
      case 'testnet':
        await testnetCommand(rest, out);
        break;
      case 'coord':
        await coordCommand(rest, out);
        break;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out.result({ help: HELP }, HELP);
        break;
      default:
        throw usage(`unknown command "${group}"; run luxkms --help`);
    }
    return 0;
  } catch (e) {
    const error = toCliError(e);
    if (json) process.stdout.write(JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } }) + '\n');
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
}
