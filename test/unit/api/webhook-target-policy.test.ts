/**
 * The webhook target policy: every non-public range is refused (named in the reason), IPv4 carried in IPv6
 * is judged as IPv4, numeric host spellings the URL parser normalises are caught, `localhost` names are
 * refused without DNS, and public addresses pass.
 */
import { describe, expect, it } from 'vitest';
import { literalHostRefusal, nonPublicRange } from '../../../api/engines/webhooks/target-policy.js';

const REFUSED: [string, RegExp][] = [
  ['0.0.0.0', /this network/],
  ['0.1.2.3', /this network/],
  ['10.0.0.1', /private \(10\.0\.0\.0\/8\)/],
  ['10.255.255.255', /private/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['127.0.0.1', /loopback \(127\.0\.0\.0\/8\)/],
  ['127.255.255.254', /loopback/],
  ['169.254.169.254', /cloud metadata/],
  ['169.254.0.1', /link-local \(169\.254\.0\.0\/16\)/],
  ['172.16.0.1', /private \(172\.16\.0\.0\/12\)/],
  ['172.31.255.255', /private/],
  ['192.0.0.170', /IETF/],
  ['192.168.1.1', /private \(192\.168\.0\.0\/16\)/],
  ['198.18.0.1', /benchmarking/],
  ['224.0.0.1', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['::1', /loopback \(::1\/128\)/],
  ['::', /unspecified/],
  ['fc00::1', /unique local/],
  ['fd12:3456::1', /unique local/],
  ['fd00:ec2::254', /unique local/],
  ['fe80::1', /link-local \(fe80::\/10\)/],
  ['fe80::1%eth0', /link-local/],
  ['ff02::1', /multicast/],
  ['2001:db8::1', /documentation/],
  ['::7f00:1', /outside global unicast/],
  ['100::1', /outside global unicast/],
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '192.169.0.1', '100.128.0.1', '169.255.0.1', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'];

describe('nonPublicRange', () => {
  it('refuses every non-public range and says which', () => {
    for (const [address, reason] of REFUSED) expect(nonPublicRange(address), address).toMatch(reason);
    expect(REFUSED).toHaveLength(27);
  });

  it('webhook to cloud metadata address is refused', () => {
    expect(nonPublicRange('169.254.169.254')).toBe('the cloud metadata service (169.254.169.254/32)');
  });

  it('webhook to IPv4-mapped IPv6 loopback or metadata is refused, in dotted and hex spelling', () => {
    expect(nonPublicRange('::ffff:127.0.0.1')).toMatch(/^loopback \(127\.0\.0\.0\/8\), written as IPv6/);
    expect(nonPublicRange('::ffff:7f00:1')).toMatch(/^loopback/);
    expect(nonPublicRange('::FFFF:A9FE:A9FE')).toMatch(/^the cloud metadata service/);
    expect(nonPublicRange('::ffff:10.1.2.3')).toMatch(/^private/);
    expect(nonPublicRange('::ffff:0:0')).toMatch(/this network/);
    expect(nonPublicRange('0:0:0:0:0:ffff:c0a8:0101')).toMatch(/^private \(192\.168/);
  });

  it('webhook to a NAT64 address carrying a private IPv4 is refused', () => {
    expect(nonPublicRange('64:ff9b::a9fe:a9fe')).toMatch(/^the cloud metadata service/);
    expect(nonPublicRange('64:ff9b::127.0.0.1')).toMatch(/^loopback/);
    expect(nonPublicRange('64:ff9b::1')).toMatch(/this network/);
  });

  it('lets public addresses through', () => {
    for (const address of PUBLIC) expect(nonPublicRange(address), address).toBeUndefined();
  });

  it('refuses input that is not an address with a TypeError', () => {
    for (const bad of ['', 'localhost', '127.1', '1.2.3.4.5', 'fe80::1::2']) expect(() => nonPublicRange(bad)).toThrow(TypeError);
  });
});

describe('literalHostRefusal', () => {
  const refusal = (url: string) => literalHostRefusal(new URL(url));

  it('webhook to a decimal-encoded loopback host is refused (the URL parser reads 2130706433 as 127.0.0.1)', () => {
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(refusal('http://2130706433/hook')).toMatch(/127\.0\.0\.1 is loopback/);
    expect(refusal('http://0x7f.1/')).toMatch(/loopback/);
    expect(refusal('http://0/')).toMatch(/0\.0\.0\.0 is "this network"/);
  });

  it('webhook to literal private addresses is refused, IPv6 in brackets included', () => {
    expect(refusal('http://169.254.169.254/latest/meta-data/')).toMatch(/cloud metadata/);
    expect(refusal('https://10.0.0.5:8443/')).toMatch(/private/);
    expect(refusal('http://[::1]:8080/')).toMatch(/^::1 is loopback/);
    expect(refusal('http://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
    expect(refusal('http://[fd00::1]/')).toMatch(/unique local/);
  });

  it('webhook to localhost by name is refused, whatever its spelling', () => {
    for (const url of ['http://localhost/', 'http://LOCALHOST:3000/', 'http://localhost./', 'http://api.localhost/']) expect(refusal(url), url).toMatch(/this machine/);
  });

  it('leaves names to the delivery-time check and lets public literals through', () => {
    expect(refusal('https://hooks.example.com/x')).toBeUndefined();
    expect(refusal('https://localhost.example.com/x')).toBeUndefined();
    expect(refusal('http://8.8.8.8/')).toBeUndefined();
    expect(refusal('http://[2606:4700:4700::1111]/')).toBeUndefined();
  });
});
