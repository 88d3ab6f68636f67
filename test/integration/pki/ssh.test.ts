/**
 * The SSH engine against OpenSSH itself: ssh-keygen reads generated keys and shows what signed
 * certificates contain, and a real sshd trusting the environment's CA lets a KMS-certified user in,
 * while refusing a certificate for the wrong principal, an expired one, a revoked one (via the KMS KRL)
 * and one from another environment's CA. The client checks the host through its KMS host certificate.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedSshKey, SshCa } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';
import { startSshd, type Sshd } from './sshd.js';
import { scratch, tool, type Scratch } from './tools.js';

let h: Harness;
let tmp: Scratch;
let ca: SshCa;
let sshd: Sshd;
let userKey: CreatedSshKey;
let userKeyPath: string;

beforeAll(async () => {
  h = await startHarness();
  tmp = await scratch('luxkms-ssh-');
  ca = await h.admin.ssh.ca();
  const hostKey = await h.admin.ssh.createKey({ keyType: 'ED25519', comment: 'test-host' });
  const hostCert = await h.admin.ssh.signCertificate({ publicKey: hostKey.publicKey, certType: 'host', principals: ['127.0.0.1', 'localhost'], validity: '1h' });
  sshd = await startSshd(tmp, { hostKey: hostKey.privateKey, hostCertificate: hostCert.certificate, userCa: ca.publicKey, principals: ['deploy'], krl: (await h.admin.ssh.krl()).krl });
  // The client trusts hosts certified by the KMS CA and nothing else.
  await tmp.file('known_hosts', `@cert-authority * ${ca.publicKey}\n`);
  userKey = await h.admin.ssh.createKey({ keyType: 'ECDSA_P256', comment: 'deployer' });
  userKeyPath = await tmp.file('id_user', userKey.privateKey);
});
afterAll(async () => {
  await sshd?.stop();
  await h.close();
  await tmp.remove();
});

async function login(certificate: string, keyPath = userKeyPath) {
  const certPath = await tmp.file(`cert-${Math.random().toString(16).slice(2)}-cert.pub`, `${certificate}\n`);
  return tool('ssh', [
    '-F', '/dev/null',
    '-p', String(sshd.port),
    '-i', keyPath,
    '-o', `CertificateFile=${certPath}`,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', `UserKnownHostsFile=${tmp.path('known_hosts')}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=10',
    `${sshd.user}@127.0.0.1`,
    'echo kms-login-ok',
  ]);
}

const signUser = (principals: string[], validity = '10m', environment?: string) =>
  h.admin.ssh.signCertificate({ publicKey: userKey.publicKey, certType: 'user', principals, validity, keyId: `deployer-${principals.join('+')}`, ...(environment ? { environment } : {}) });

describe('keys', () => {
  it.each(['ED25519', 'ECDSA_P256', 'ECDSA_P384', 'RSA_3072'] as const)('ssh-keygen reads a generated %s key pair and agrees on the fingerprint', async (keyType) => {
    const k = await h.admin.ssh.createKey({ keyType, comment: `kms-${keyType}` });
    const priv = await tmp.file(`id_${keyType}`, k.privateKey);
    await tmp.file(`id_${keyType}.pub`, `${k.publicKey}\n`);
    const listed = await tool('ssh-keygen', ['-l', '-f', priv]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(k.fingerprint);
    expect(listed.stdout).toContain(`kms-${keyType}`);
    // Deriving the public key from the private key file proves the private key is well-formed.
    const derived = await tool('ssh-keygen', ['-y', '-f', priv]);
    expect(derived.stdout.trim().split(' ').slice(0, 2)).toEqual(k.publicKey.split(' ').slice(0, 2));
    expect(await h.admin.ssh.getKey(k.id)).not.toHaveProperty('privateKey');
  });
});

describe('certificates', () => {
  it('ssh-keygen -L shows the principals, validity, key id, serial, options and extensions', async () => {
    const cert = await h.admin.ssh.signCertificate({
      publicKey: userKey.publicKey,
      certType: 'user',
      principals: ['deploy', 'alice'],
      validity: '8h',
      keyId: 'alice@yourbank',
      criticalOptions: { 'source-address': '127.0.0.1/32,10.0.0.0/8', 'force-command': '/usr/bin/true' },
      extensions: ['permit-pty'],
    });
    const shown = (await tool('ssh-keygen', ['-L', '-f', await tmp.file('show-cert.pub', `${cert.certificate}\n`)])).stdout;
    expect(shown).toContain('ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate');
    expect(shown).toContain(`Signing CA: ED25519 ${ca.fingerprint}`);
    expect(shown).toContain('Key ID: "alice@yourbank"');
    expect(shown).toContain(`Serial: ${cert.serial}`);
    expect(shown).toMatch(/Principals: \n\s+deploy\n\s+alice\n/);
    expect(shown).toContain('force-command /usr/bin/true');
    expect(shown).toContain('source-address 127.0.0.1/32,10.0.0.0/8');
    expect(shown).toMatch(/Extensions: \n\s+permit-pty\n/);
    const [, from, to] = /Valid: from (\S+) to (\S+)/.exec(shown)!;
    // ssh-keygen prints local time without a zone; the span is what must match.
    expect((Date.parse(to!) - Date.parse(from!)) / 1000).toBe(8 * 3600 + 60); // 8h, plus the minute backdated for clock skew
    expect((Date.parse(cert.validBefore) - Date.parse(cert.validAfter)) / 1000).toBe(8 * 3600 + 60);
  });

  it('a real sshd accepts a login with a KMS-signed user certificate, after checking the KMS host certificate', async () => {
    const res = await login((await signUser(['deploy'])).certificate);
    expect(res.stderr).not.toContain('Permission denied');
    expect(res.stdout).toBe('kms-login-ok\n');
    expect(res.code).toBe(0);
  });

  it('sshd refuses a certificate for the wrong principal', async () => {
    const res = await login((await signUser(['alice'])).certificate);
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied');
  });

  it('sshd refuses an expired certificate', async () => {
    const cert = await signUser(['deploy'], '1s');
    await new Promise((r) => setTimeout(r, Date.parse(cert.validBefore) - Date.now() + 1100));
    const res = await login(cert.certificate);
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied');
    expect(sshd.stderr()).toMatch(/expired|Certificate invalid/);
  });

  it('sshd refuses a certificate signed by another environment\'s CA', async () => {
    const res = await login((await signUser(['deploy'], '10m', 'staging')).certificate);
    expect(res.code).toBe(255);
  });

  it('a revoked certificate joins the KRL: ssh-keygen -Q reports it and sshd refuses it', async () => {
    const cert = await signUser(['deploy']);
    expect((await login(cert.certificate)).code).toBe(0);
    await h.admin.ssh.revokeCertificate(cert.serial);
    const krl = await h.admin.ssh.krl();
    expect(krl.revokedSerials).toContain(cert.serial);
    await writeFile(tmp.path('revoked.krl'), krl.krl);
    const certPath = await tmp.file('revoked-cert.pub', `${cert.certificate}\n`);
    const query = await tool('ssh-keygen', ['-Q', '-f', tmp.path('revoked.krl'), certPath]);
    expect(query.stdout).toContain('REVOKED');
    expect((await tool('ssh-keygen', ['-Q', '-l', '-f', tmp.path('revoked.krl')])).stdout).toContain(`serial: ${cert.serial}`);
    expect((await login(cert.certificate)).code).toBe(255);
    // Other certificates of the same key still work.
    expect((await login((await signUser(['deploy'])).certificate)).code).toBe(0);
    await expect(h.admin.ssh.revokeCertificate(cert.serial)).rejects.toMatchObject({ status: 409, code: 'already_revoked' });
  });
});

describe('bad input is refused with a 4xx', () => {
  it.each([
    ['a malformed public key', { publicKey: 'ssh-ed25519 AAAAnotakey' }, 'invalid_public_key'],
    ['a key whose blob names another algorithm', { relabel: 'ssh-rsa' }, 'invalid_public_key'],
    ['no principals', { principals: [] }, 'invalid_principals'],
    ['a principal with a comma', { principals: ['a,b'] }, 'invalid_principals'],
    ['an unknown extension', { extensions: ['permit-everything'] }, 'invalid_extension'],
    ['a bad source-address', { criticalOptions: { 'source-address': '10.0.0.0/33' } }, 'invalid_critical_option'],
    ['host certificate with extensions', { certType: 'host', extensions: ['permit-pty'] }, 'invalid_extension'],
    ['a malformed validity', { validity: 'forever' }, 'invalid_duration'],
  ])('%s', async (_name, override, code) => {
    const before = (await h.admin.ssh.listCertificates()).length;
    const { relabel, ...rest } = override as { relabel?: string };
    const publicKey = relabel ? userKey.publicKey.replace(/^\S+/, relabel) : userKey.publicKey;
    const err = await h.admin.ssh.signCertificate({ publicKey, certType: 'user', principals: ['deploy'], validity: '1h', ...rest }).catch((e) => e);
    expect(err).toMatchObject({ status: 400, code });
    expect((await h.admin.ssh.listCertificates()).length).toBe(before);
  });

  it('an unknown key type', async () => {
    await expect(h.admin.ssh.createKey({ keyType: 'DSA' as never })).rejects.toMatchObject({ status: 400, code: 'unsupported_key_type' });
  });

  it('the CA private key is never in a response, and signing is audited', async () => {
    const records = (await h.admin.audit.list({ limit: 1000 })).records;
    expect(records.some((r) => r.action === 'sign' && r.resource === 'ssh-cert:user' && r.result === 'allowed')).toBe(true);
    expect(JSON.stringify(await h.admin.ssh.ca())).not.toContain('PRIVATE');
  });
});
