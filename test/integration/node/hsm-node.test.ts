/**
 * A party node sealed by a real SoftHSM2 token: it starts and seals with the token's non-extractable key; a wrong
 * PIN or a missing token stops `luxkms node start` with a clear error and exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftHsmToken } from '../../helpers/softhsm.js';
import { initNode } from '../../../node/init.js';
import { loadNodeConfig } from '../../../node/config.js';
import { PartyNode } from '../../../node/daemon.js';
import { nodeCeremonies } from '../../../node/ceremonies/index.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

function nodeStart(configFile: string): Promise<{ code: number; stderr: string }> {
  const cli = join(import.meta.dirname, '../../../coordinator/cli/luxkms.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'node', 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('party node with a SoftHSM2 seal', () => {
  let dir: string;
  let token: Awaited<ReturnType<typeof createSoftHsmToken>>;
  let configFile: string;

  beforeAll(async () => {
    token = await createSoftHsmToken();
    dir = await mkdtemp(join(tmpdir(), 'luxkms-hsm-node-'));
    await writeFile(join(dir, 'pin'), token.pin, { mode: 0o600 });
    ({ configFile } = await initNode({
      dataDir: join(dir, 'node'),
      id: 1,
      listen: '/ip4/127.0.0.1/tcp/0',
      control: { host: '127.0.0.1', port: 0 },
      seal: { provider: 'softhsm2', library: token.library, tokenLabel: token.tokenLabel, keyLabel: 'luxkms-seal', pinFile: join(dir, 'pin') },
    }));
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await token.cleanup();
  });

  it('opens, seals through PKCS#11 and reopens with the same token key', async () => {
    const config = await loadNodeConfig(configFile);
    const node = await PartyNode.open(config, nodeCeremonies, quiet);
    await node.start();
    expect(node.status().seal).toBe('pkcs11');
    await node.services.vault.create(
      { keyId: 'probe', protocol: 'frost', threshold: 1, parties: [1], publicKey: '00', generation: 0, createdAt: new Date().toISOString() },
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    );
    await node.stop();
    const again = await PartyNode.open(config, nodeCeremonies, quiet);
    await again.start();
    expect(await again.services.vault.share('probe', 0)).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    await again.stop();
  }, 60_000);

  it('wrong_pin: node start exits 2 naming the token and the wrong PIN', async () => {
    await writeFile(join(dir, 'pin'), '999999', { mode: 0o600 });
    const result = await nodeStart(configFile);
    await writeFile(join(dir, 'pin'), token.pin, { mode: 0o600 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/wrong PIN/);
    expect(result.stderr).toContain(token.tokenLabel);
  }, 60_000);

  it('missing_token: node start exits 2 saying the token was not found', async () => {
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    const other = join(dir, 'missing-token.json');
    await writeFile(other, JSON.stringify({ ...config, seal: { ...config.seal, tokenLabel: 'no-such-token' } }), { mode: 0o600 });
    const result = await nodeStart(other);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no-such-token/);
  }, 60_000);
});
