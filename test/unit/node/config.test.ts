import { describe, expect, it } from 'vitest';
import { parseNodeConfig } from '../../../node/config.js';

const PEER = '12D3KooWKWSULB6uox64hQskK7eLX9F37Jcssa27dGw7q1PYUQ57';
const base = (gateway: unknown) => ({
  id: 1,
  dataDir: 'data',
  listen: '/ip4/127.0.0.1/tcp/0',
  control: { host: '127.0.0.1', port: 7001 },
  gateway,
  seal: { provider: 'software', passphraseEnv: 'LUXKMS_PASSPHRASE' },
  members: [{ id: 1, peerId: PEER, multiaddrs: ['/ip4/127.0.0.1/tcp/9001'] }],
});

describe('node config: the gateway section', () => {
  it('passes the gateway\'s own webhooks and pki sections through for the gateway to check', () => {
    const config = parseNodeConfig(base({ host: '127.0.0.1', port: 8080, webhooks: { allowPrivateTargets: true }, pki: { publicBaseUrl: 'https://kms.example.com' } }), '/srv');
    expect(config.gateway).toEqual({ host: '127.0.0.1', port: 8080, webhooks: { allowPrivateTargets: true }, pki: { publicBaseUrl: 'https://kms.example.com' } });
    expect(parseNodeConfig(base(null), '/srv').gateway).toBeNull();
  });

  it('a section that is not an object is refused by name', () => {
    expect(() => parseNodeConfig(base({ host: '127.0.0.1', port: 8080, webhooks: true }), '/srv')).toThrow('"gateway.webhooks" expected an object');
    expect(() => parseNodeConfig(base({ host: '127.0.0.1', port: 8080, pki: ['x'] }), '/srv')).toThrow('"gateway.pki" expected an object');
  });

  it('a misspelt gateway setting is refused instead of silently ignored', () => {
    expect(() => parseNodeConfig(base({ host: '127.0.0.1', port: 8080, webhook: {} }), '/srv')).toThrow('"gateway.webhook" is not a gateway setting');
  });
});
