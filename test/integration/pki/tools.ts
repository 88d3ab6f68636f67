/** Running the real command-line tools (openssl, ssh-keygen) on files in a scratch directory. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tool(command: string, args: string[], options: { input?: string } = {}): Promise<ToolResult> {
  try {
    const child = run(command, args, { encoding: 'utf8', timeout: 30_000 });
    if (options.input !== undefined) child.child.stdin!.end(options.input);
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface Scratch {
  dir: string;
  /** Writes `content` to `name` in the scratch directory and returns its path. */
  file(name: string, content: string | Uint8Array, mode?: number): Promise<string>;
  path(name: string): string;
  remove(): Promise<void>;
}

export async function scratch(prefix: string): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    file: async (name, content, mode = 0o600) => {
      const p = join(dir, name);
      await writeFile(p, content, { mode });
      return p;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
