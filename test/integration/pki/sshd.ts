/**
 * A real OpenSSH server for tests: its own config, host key and host certificate, trusting one user CA,
 * with AuthorizedPrincipalsFile and a KRL, listening on a free loopback port. The test's user logs in as
 * itself (root in CI), so no accounts are created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import type { Scratch } from './tools.js';

export const SSHD = '/usr/sbin/sshd';
// sshd refuses to start without its privilege-separation directory.
const PRIVSEP_DIR = '/run/sshd';

export interface Sshd {
  port: number;
  user: string;
  stderr(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startSshd(dir: Scratch, files: { hostKey: string; hostCertificate: string; userCa: string; principals: string[]; krl: Uint8Array }): Promise<Sshd> {
  await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  const user = userInfo().username;
  await mkdir(dir.path('principals'), { recursive: true });
  await dir.file(`principals/${user}`, `${files.principals.join('\n')}\n`, 0o644);
  const port = await freePort();
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${await dir.file('host_key', files.hostKey)}`,
    `HostCertificate ${await dir.file('host_key-cert.pub', `${files.hostCertificate}\n`, 0o644)}`,
    `TrustedUserCAKeys ${await dir.file('user_ca.pub', `${files.userCa}\n`, 0o644)}`,
    `AuthorizedPrincipalsFile ${dir.path('principals')}/%u`,
    `RevokedKeys ${await dir.file('revoked.krl', files.krl, 0o644)}`,
    'AuthorizedKeysFile none',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'StrictModes no',
    `PidFile ${dir.path('sshd.pid')}`,
    'LogLevel VERBOSE',
  ].join('\n');
  const configPath = await dir.file('sshd_config', `${config}\n`, 0o644);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${log}`)), 10_000);
    child.stderr!.on('data', () => {
      if (log.includes('Server listening')) clearTimeout(timer), resolve();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
  });
  return {
    port,
    user,
    stderr: () => log,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
