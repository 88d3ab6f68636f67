/** Process entry of the `luxkms` binary: run the command, then exit with its code (open handles do not keep it alive). */
import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exit(code);
