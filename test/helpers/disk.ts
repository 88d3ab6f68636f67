import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The bytes of every file under `dir`, to check what actually reached the disk (e.g. that no plaintext did). */
export async function readAllFiles(dir: string): Promise<Buffer[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))));
}

/** Whether `needle` occurs verbatim in any of `files`. */
export function anyFileContains(files: readonly Buffer[], needle: Uint8Array): boolean {
  const pattern = Buffer.from(needle);
  return files.some((file) => file.includes(pattern));
}
