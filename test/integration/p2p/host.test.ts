import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrameTooLargeError, NotClusterMemberError, PeerUnreachableError } from '../../../node/p2p/errors.js';
import { PartyHost, type ClusterMember, type PartyHostInit } from '../../../node/p2p/host.js';
import {
  createMessageSigner,
  identityFromKey,
  loadOrCreateIdentity,
  publicKeyFromPeerId,
  verify,
} from '../../../node/p2p/identity.js';
import { InvalidInputError, MalformedError } from '../../../protocols/errors.js';

const LOOPBACK = '/ip4/127.0.0.1/tcp/0';
const FAST_RECONNECT = { initialMs: 50, maxMs: 400 };

interface Received {
  from: string;
  frame: Uint8Array;
}

const running: PartyHost[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((host) => host.stop()));
});

function track(host: PartyHost): PartyHost {
  running.push(host);
  return host;
}

function inbox(host: PartyHost): Received[] {
  const received: Received[] = [];
  host.onFrame((from, frame) => received.push({ from, frame }));
  return received;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function counterFrame(n: number, size = 8): Uint8Array {
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, n);
  return frame;
}

function counterOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
}

/** Starts one host per key, tells each where the others listen, and connects them all. */
async function startCluster(keys: Ed25519PrivateKey[], extra: Partial<PartyHostInit> = {}): Promise<PartyHost[]> {
  const ids = keys.map((key) => identityFromKey(key).peerId);
  const hosts = keys.map((privateKey) =>
    track(
      new PartyHost({
        privateKey,
        listen: [LOOPBACK],
        members: ids.map((peerId) => ({ peerId })),
        reconnect: FAST_RECONNECT,
        ...extra,
      }),
    ),
  );
  await Promise.all(hosts.map((host) => host.start()));
  const members: ClusterMember[] = hosts.map((host) => ({ peerId: host.peerId, multiaddrs: host.multiaddrs() }));
  await Promise.all(hosts.map((host) => host.setMembers(members)));
  await Promise.all(hosts.map((host) => host.connectAll({ signal: AbortSignal.timeout(10_000) })));
  return hosts;
}

describe('party identity', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'luxkms-identity-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists the same peer id across loads, in an owner-only file', async () => {
    const file = join(dir, 'nested', 'peer.key');
    const first = await loadOrCreateIdentity(file);
    const second = await loadOrCreateIdentity(file);
    expect(second.peerId).toBe(first.peerId);
    expect(second.privateKey.equals(first.privateKey)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.peerId.startsWith('12D3KooW')).toBe(true);
  });

  it('refuses a key file other users can read', async () => {
    const file = join(dir, 'loose.key');
    await loadOrCreateIdentity(file);
    await chmod(file, 0o644);
    await expect(loadOrCreateIdentity(file)).rejects.toThrow(/expected mode 0600.*got 0644/);
  });

  it('rejects a corrupt key file instead of replacing the identity', async () => {
    const file = join(dir, 'corrupt.key');
    await writeFile(file, new Uint8Array([1, 2, 3, 4]), { mode: 0o600 });
    await expect(loadOrCreateIdentity(file)).rejects.toBeInstanceOf(MalformedError);
    expect([...(await readFile(file))]).toEqual([1, 2, 3, 4]);
  });

  it('signs protocol messages that verify against the peer id, and only against it', async () => {
    const alice = await loadOrCreateIdentity(join(dir, 'alice.key'));
    const bob = await loadOrCreateIdentity(join(dir, 'bob.key'));
    const message = new TextEncoder().encode('round 2 broadcast');
    const signature = createMessageSigner(alice.privateKey).sign(message);
    expect(signature).toHaveLength(64);
    expect(verify(alice.peerId, message, signature)).toBe(true);
    expect(verify(alice.publicKey, message, signature)).toBe(true);
    expect(verify(alice.privateKey.publicKey, message, signature)).toBe(true);
    expect(publicKeyFromPeerId(alice.peerId)).toEqual(alice.publicKey);
    // forged sender: the same signature presented as Bob's
    expect(verify(bob.peerId, message, signature)).toBe(false);
    // tampered message and tampered signature
    const tampered = Uint8Array.from(message);
    tampered[0] ^= 1;
    expect(verify(alice.peerId, tampered, signature)).toBe(false);
    const badSig = Uint8Array.from(signature);
    badSig[10] ^= 1;
    expect(verify(alice.peerId, message, badSig)).toBe(false);
    // truncated signature off the wire is invalid, not a crash
    expect(verify(alice.peerId, message, signature.subarray(0, 63))).toBe(false);
    expect(() => verify('not-a-peer-id', message, signature)).toThrow(InvalidInputError);
    expect(() => verify(new Uint8Array(31), message, signature)).toThrow(RangeError);
    expect(() => verify(alice.peerId, 'text' as unknown as Uint8Array, signature)).toThrow(TypeError);
  });
});

describe('PartyHost', () => {
  let keys: Ed25519PrivateKey[];
  beforeAll(async () => {
    keys = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair('Ed25519')));
  });

  it('3 members exchange frames both ways, in order per sender, tagged with the authenticated sender', async () => {
    const hosts = await startCluster(keys.slice(0, 3));
    const boxes = hosts.map(inbox);
    for (const host of hosts) expect(host.connectedPeers()).toHaveLength(2);

    const perPair = 50;
    await Promise.all(
      hosts.flatMap((sender, s) =>
        hosts
          .filter((_, r) => r !== s)
          .map(async (receiver) => {
            for (let n = 0; n < perPair; n++) await sender.send(receiver.peerId, counterFrame(n, 8 + s * 100));
          }),
      ),
    );
    await until(() => boxes.every((box) => box.length === 2 * perPair), 'all frames');

    boxes.forEach((box, r) => {
      for (const [s, sender] of hosts.entries()) {
        if (s === r) continue;
        const fromSender = box.filter((m) => m.from === sender.peerId);
        expect(fromSender.map((m) => counterOf(m.frame))).toEqual([...Array(perPair).keys()]);
        // the frame size encodes the sender index: the reported id is really who sent it
        expect(fromSender.every((m) => m.frame.length === 8 + s * 100)).toBe(true);
      }
    });
  });

  it('delivers 1,000 pipelined frames in order', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2));
    const received = inbox(b!);
    const count = 1_000;
    await Promise.all(Array.from({ length: count }, (_, n) => a!.send(b!.peerId, counterFrame(n, 256))));
    await until(() => received.length === count, '1,000 frames');
    expect(received.map((m) => counterOf(m.frame))).toEqual([...Array(count).keys()]);
    expect(received.every((m) => m.from === a!.peerId)).toBe(true);
  });

  it('carries 24 pipelined 1 MiB frames intact (more than the sender may queue before waiting for drain)', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2));
    const received = inbox(b!);
    const frames = Array.from({ length: 24 }, (_, n) => new Uint8Array(1024 * 1024).fill(n + 1));
    await Promise.all(frames.map((frame) => a!.send(b!.peerId, frame)));
    await until(() => received.length === frames.length, '24 MiB', 30_000);
    received.forEach(({ frame }, n) => {
      expect(frame.length).toBe(1024 * 1024);
      expect(frame[0]).toBe(n + 1);
      expect(frame[frame.length - 1]).toBe(n + 1);
    });
  });

  it('a peer outside the member list cannot connect and its frames never reach the handler', async () => {
    const [member] = await startCluster(keys.slice(0, 1));
    const received = inbox(member!);
    // The outsider lists the member as its own peer, so only the member's gater stands in the way.
    const outsider = track(
      new PartyHost({
        privateKey: keys[3]!,
        listen: [LOOPBACK],
        members: [{ peerId: member!.peerId, multiaddrs: member!.multiaddrs() }],
        dialTimeoutMs: 2_000,
      }),
    );
    await outsider.start();
    await expect(outsider.send(member!.peerId, counterFrame(1))).rejects.toBeInstanceOf(PeerUnreachableError);
    await expect(outsider.connectAll({ signal: AbortSignal.timeout(500) })).rejects.toMatchObject({
      name: 'PeerUnreachableError',
      peerIds: [member!.peerId],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(0);
    expect(member!.connectedPeers()).toEqual([]);
    // and the member will not send to it either
    await expect(member!.send(outsider.peerId, counterFrame(1))).rejects.toBeInstanceOf(NotClusterMemberError);
  });

  it('a member removed from the list is disconnected and refused from then on', async () => {
    const [a, b, c] = await startCluster(keys.slice(0, 3));
    const received = inbox(a!);
    await a!.setMembers([{ peerId: a!.peerId }, { peerId: b!.peerId, multiaddrs: b!.multiaddrs() }]);
    await until(() => !a!.connectedPeers().includes(c!.peerId), 'c disconnected');
    // c may still hand a frame or two to its half-dead stream before it notices; its redials are then refused.
    let refused: unknown;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      refused = await c!.send(a!.peerId, counterFrame(7)).then(
        () => undefined,
        (err: unknown) => err,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refused).toBeInstanceOf(PeerUnreachableError);
    await b!.send(a!.peerId, counterFrame(8));
    await until(() => received.length === 1, 'frame from b');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.map((m) => m.from)).toEqual([b!.peerId]);
  });

  it('messages flow again after a member stops and restarts with the same identity and port', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2));
    const bAddrs = b!.multiaddrs();
    const members: ClusterMember[] = [
      { peerId: a!.peerId, multiaddrs: a!.multiaddrs() },
      { peerId: b!.peerId, multiaddrs: bAddrs.map((addr) => addr.replace(/\/p2p\/.*$/, '')) },
    ];
    const toA = inbox(a!);
    await b!.send(a!.peerId, counterFrame(1));
    await a!.send(b!.peerId, counterFrame(1));
    await until(() => toA.length === 1, 'first frame');

    await b!.stop();
    await until(() => a!.connectedPeers().length === 0, 'a sees b gone');
    await expect(a!.send(b!.peerId, counterFrame(2))).rejects.toBeInstanceOf(PeerUnreachableError);

    const restarted = track(
      new PartyHost({ privateKey: keys[1]!, listen: members[1]!.multiaddrs!, members, reconnect: FAST_RECONNECT }),
    );
    const toB = inbox(restarted);
    await restarted.start();
    expect(restarted.peerId).toBe(b!.peerId);
    // a's redial loop finds b again without anyone calling connectAll on a
    await until(() => a!.connectedPeers().includes(b!.peerId), 'a reconnected');
    await a!.send(b!.peerId, counterFrame(3));
    await restarted.send(a!.peerId, counterFrame(4));
    await until(() => toB.length === 1 && toA.length === 2, 'frames after restart');
    expect(counterOf(toB[0]!.frame)).toBe(3);
    expect(counterOf(toA[1]!.frame)).toBe(4);
    expect(toA[1]!.from).toBe(b!.peerId);
  });

  it('rejects an oversize frame with a clear error before it leaves', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2), { maxFrameBytes: 1024 });
    const received = inbox(b!);
    const attempt = a!.send(b!.peerId, new Uint8Array(1025));
    await expect(attempt).rejects.toBeInstanceOf(FrameTooLargeError);
    await expect(attempt).rejects.toThrow('"frame" expected at most 1024 bytes, got 1025');
    await expect(a!.send(b!.peerId, new Uint8Array(0))).rejects.toThrow(RangeError);
    await a!.send(b!.peerId, new Uint8Array(1024).fill(7));
    await until(() => received.length === 1, 'frame at the limit');
    expect(received[0]!.frame).toEqual(new Uint8Array(1024).fill(7));
  });

  it('resets the stream of a peer that sends more than the receiver accepts, then recovers', async () => {
    const [small] = keys;
    const ids = [keys[0]!, keys[1]!].map((key) => identityFromKey(key).peerId);
    const receiver = track(
      new PartyHost({
        privateKey: small!,
        listen: [LOOPBACK],
        members: ids.map((peerId) => ({ peerId })),
        maxFrameBytes: 1024,
      }),
    );
    await receiver.start();
    const sender = track(
      new PartyHost({
        privateKey: keys[1]!,
        listen: [LOOPBACK],
        members: [{ peerId: receiver.peerId, multiaddrs: receiver.multiaddrs() }],
        maxFrameBytes: 1 << 20,
      }),
    );
    await sender.start();
    const received = inbox(receiver);
    await sender.send(receiver.peerId, new Uint8Array(4096));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(0);
    // the stream was reset, so the next frame goes out on a fresh one
    await until(() => {
      void sender.send(receiver.peerId, counterFrame(9)).catch(() => undefined);
      return received.length > 0;
    }, 'a frame on a new stream');
    expect(counterOf(received[0]!.frame)).toBe(9);
  });

  it('keeps delivering when one frame handler throws', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2));
    b!.onFrame(() => {
      throw new Error('consumer bug');
    });
    const received = inbox(b!);
    await a!.send(b!.peerId, counterFrame(1));
    await a!.send(b!.peerId, counterFrame(2));
    await until(() => received.length === 2, 'both frames');
  });

  it('fails to start on a port already in use, naming the address', async () => {
    const [a] = await startCluster(keys.slice(0, 1));
    const taken = a!.multiaddrs()[0]!.replace(/\/p2p\/.*$/, '');
    const clash = new PartyHost({ privateKey: keys[1]!, listen: [taken], members: [] });
    await expect(clash.start()).rejects.toMatchObject({
      code: 'listen_failed',
      message: expect.stringContaining(taken),
    });
    expect(clash.running).toBe(false);
  });

  it('does not send a frame whose signal has already aborted', async () => {
    const [a, b] = await startCluster(keys.slice(0, 2));
    const received = inbox(b!);
    const cancelled = new AbortController();
    cancelled.abort(new Error('round deadline passed'));
    const attempt = a!.send(b!.peerId, counterFrame(1), { signal: cancelled.signal });
    await expect(attempt).rejects.toThrow('round deadline passed');
    await a!.send(b!.peerId, counterFrame(2));
    await until(() => received.length === 1, 'the second frame');
    expect(counterOf(received[0]!.frame)).toBe(2);
  });

  it('stop() ends a pending connectAll with host_stopped instead of leaving it waiting', async () => {
    const [gone] = await startCluster(keys.slice(1, 2));
    const goneMember = { peerId: gone!.peerId, multiaddrs: gone!.multiaddrs() };
    await gone!.stop();
    const host = track(
      new PartyHost({ privateKey: keys[0]!, listen: [LOOPBACK], members: [goneMember], reconnect: FAST_RECONNECT }),
    );
    await host.start();
    const waiting = host.connectAll({ signal: AbortSignal.timeout(20_000) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await host.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'host_stopped' });
  });

  it('validates its configuration and arguments', async () => {
    const self = identityFromKey(keys[0]!).peerId;
    expect(() => new PartyHost({ privateKey: keys[0]!, listen: [], members: [] })).toThrow(TypeError);
    expect(() => new PartyHost({ privateKey: keys[0]!, listen: ['not an address'], members: [] })).toThrow(
      InvalidInputError,
    );
    expect(
      () => new PartyHost({ privateKey: keys[0]!, listen: [LOOPBACK], members: [{ peerId: 'QmNope' }] }),
    ).toThrow(/members\[0\]\.peerId/);
    expect(
      () =>
        new PartyHost({
          privateKey: keys[0]!,
          listen: [LOOPBACK],
          members: [{ peerId: self }, { peerId: self }],
        }),
    ).toThrow(/unique/);
    const other = identityFromKey(keys[1]!).peerId;
    expect(
      () =>
        new PartyHost({
          privateKey: keys[0]!,
          listen: [LOOPBACK],
          members: [{ peerId: other, multiaddrs: [`/ip4/127.0.0.1/tcp/1/p2p/${self}`] }],
        }),
    ).toThrow(/names peer/);
    expect(() => new PartyHost({ privateKey: keys[0]!, listen: [LOOPBACK], members: [], maxFrameBytes: 0 })).toThrow(
      RangeError,
    );
    const idle = new PartyHost({ privateKey: keys[0]!, listen: [LOOPBACK], members: [{ peerId: other }] });
    await expect(idle.send(other, counterFrame(1))).rejects.toMatchObject({ code: 'host_stopped' });
  });
});
