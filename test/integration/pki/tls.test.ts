/**
 * Issued certificates in real TLS: a `node:tls` server with a KMS server certificate is accepted by a
 * client that trusts only the environment's root, a KMS client certificate passes mTLS, and the wrong
 * kind of certificate (a server certificate presented as a client one, a wrong host name, another
 * environment's CA) is refused.
 */
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CreatedCertificate } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';

let h: Harness;
let root: string;
let server: CreatedCertificate;
let tlsServer: Server;
let port: number;

beforeAll(async () => {
  h = await startHarness();
  root = (await h.admin.certificates.authority()).root.certificate;
  server = await h.admin.certificates.create({ commonName: 'api.yourbank.com', sans: ['api.yourbank.com', '127.0.0.1'], validity: '1d', keyType: 'ECDSA_P256' });
  tlsServer = createServer(
    { key: server.privateKey, cert: server.certificate + server.chain[0], ca: [root], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
    (socket) => socket.end(`hello ${socket.getPeerCertificate().subject?.CN}\n`),
  );
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  port = (tlsServer.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => tlsServer.close(r));
  await h.close();
});

function talk(options: { servername?: string; ca: string; key?: string; cert?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...options, rejectUnauthorized: true }, () => {
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
    });
    socket.on('error', reject);
  });
}

it('a client trusting the root accepts the server by DNS name and by IP SAN, and mTLS passes with a client certificate', async () => {
  const client = await h.admin.certificates.create({ commonName: 'payments-worker', validity: '1h', keyType: 'ED25519', profile: 'client' });
  const identity = { key: client.privateKey, cert: client.certificate + client.chain[0] };
  expect(await talk({ servername: 'api.yourbank.com', ca: root, ...identity })).toBe('hello payments-worker\n');
  expect(await talk({ ca: root, ...identity })).toBe('hello payments-worker\n');
});

it('an RSA client certificate passes mTLS too', async () => {
  const client = await h.admin.certificates.create({ commonName: 'rsa-worker', validity: '1h', keyType: 'RSA_2048', profile: 'client' });
  expect(await talk({ servername: 'api.yourbank.com', ca: root, key: client.privateKey, cert: client.certificate + client.chain[0] })).toBe('hello rsa-worker\n');
});

it('a server certificate presented as a client certificate is refused (no clientAuth usage)', async () => {
  const wrongKind = await h.admin.certificates.create({ commonName: 'not-a-client.example.com', validity: '1h', keyType: 'ECDSA_P256', profile: 'server' });
  const identity = { key: wrongKind.privateKey, cert: wrongKind.certificate + wrongKind.chain[0] };
  // In TLS 1.3 the server judges the client certificate after the client finished: the client just gets no answer.
  const answer = await talk({ servername: 'api.yourbank.com', ca: root, ...identity }).catch((e: Error) => e.message);
  expect(answer).not.toContain('hello');
  // A server that reports instead of refusing names the reason: the certificate is not for client authentication.
  const probe = createServer({ key: server.privateKey, cert: server.certificate + server.chain[0], ca: [root], requestCert: true, rejectUnauthorized: false }, (socket) =>
    socket.end(`${socket.authorized} ${socket.authorizationError}`),
  );
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const verdict = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: (probe.address() as AddressInfo).port, servername: 'api.yourbank.com', ca: root, ...identity }, () => {
      let data = '';
      s.on('data', (d) => (data += d)).on('end', () => resolve(data));
    }).on('error', reject);
  });
  await new Promise((r) => probe.close(r));
  expect(verdict).toBe('false INVALID_PURPOSE');
});

it('the server is refused for a host name it has no SAN for', async () => {
  const client = await h.admin.certificates.create({ commonName: 'c', validity: '1h', keyType: 'ED25519', profile: 'client' });
  await expect(talk({ servername: 'other.yourbank.com', ca: root, key: client.privateKey, cert: client.certificate + client.chain[0] })).rejects.toThrow(/altnames|Hostname/);
});

it('a client trusting another environment\'s root refuses the server', async () => {
  const stagingRoot = (await h.admin.certificates.authority({ environment: 'staging' })).root.certificate;
  expect(stagingRoot).not.toBe(root);
  await expect(talk({ servername: 'api.yourbank.com', ca: stagingRoot })).rejects.toThrow(/certificate/);
});
