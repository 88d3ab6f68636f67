/**
 * Party-host transport on loopback: `npx tsx scripts/bench/p2p.ts [frames]`.
 * Two hosts in one process over real TCP + Noise + Yamux, measured side by side with bare js-libp2p (same modules,
 * one stream, the same length-prefixed framing, no membership or queueing) so the ratio shows what the host layer
 * costs. Measures alternate between the two so both see the same machine load; compare ratios, not absolute figures.
 */
import '../../node/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Ed25519PrivateKey, Stream } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import * as lp from 'it-length-prefixed';
import { createLibp2p } from 'libp2p';
import { PartyHost } from '../../node/p2p/host.js';

const smallFrames = Number(process.argv[2] ?? 20_000);
if (!Number.isInteger(smallFrames) || smallFrames < 1) {
  throw new RangeError(`"frames" expected positive integer, got ${process.argv[2]}`);
}
const SETUP_ROUNDS = 10;
const PINGS = 500;
const ROUND_TRIPS = 500;
const WARM_UP = 50;
const SMALL_FRAME_BYTES = 64;
const BULK_FRAMES = 64;
const BULK_FRAME_BYTES = 1024 * 1024;
const LOOPBACK = '/ip4/127.0.0.1/tcp/0';

/** What each side of the comparison offers: a connected sender/receiver pair. */
interface Link {
  /** Dial, handshake, one ping proving the remote accepted the connection, and the sender's stream opened. */
  connect(): Promise<void>;
  send(frame: Uint8Array): Promise<void>;
  /** Sends `frame` back from the receiver. */
  reply(frame: Uint8Array): Promise<void>;
  onReceived(listener: () => void): void;
  onReplied(listener: () => void): void;
  ping(): Promise<void>;
  stop(): Promise<void>;
}

async function hostLink(keys: readonly [Ed25519PrivateKey, Ed25519PrivateKey]): Promise<Link> {
  const [a, b] = keys.map((privateKey) => new PartyHost({ privateKey, listen: [LOOPBACK], members: [] })) as [
    PartyHost,
    PartyHost,
  ];
  await Promise.all([a.start(), b.start()]);
  const members = [a, b].map((host) => ({ peerId: host.peerId, multiaddrs: host.multiaddrs() }));
  await Promise.all([a.setMembers(members), b.setMembers(members)]);
  return {
    connect: () => a.connectAll(),
    send: (frame) => a.send(b.peerId, frame),
    reply: (frame) => b.send(a.peerId, frame),
    onReceived: (listener) => void b.onFrame(listener),
    onReplied: (listener) => void a.onFrame(listener),
    ping: async () => void (await a.ping(b.peerId)),
    stop: async () => void (await Promise.all([a.stop(), b.stop()])),
  };
}

const BARE_PROTOCOL = '/bench/bare/1.0.0';

async function bareLink(): Promise<Link> {
  const make = () =>
    createLibp2p({
      addresses: { listen: [LOOPBACK] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { inboundConnectionThreshold: 1_000 },
      // Same ping stream limits as the party host, so back-to-back pings are not refused under load.
      services: { identify: identify(), ping: ping({ maxInboundStreams: 4, maxOutboundStreams: 4 }) },
    });
  const [a, b] = await Promise.all([make(), make()]);
  const listeners = { received: [] as Array<() => void>, replied: [] as Array<() => void> };
  const consume = (stream: Stream, which: Array<() => void>) =>
    void (async () => {
      for await (const _ of lp.decode(stream, { maxDataLength: 1 << 24 })) for (const l of which) l();
    })().catch(() => undefined);
  await b.handle(BARE_PROTOCOL, (stream) => consume(stream, listeners.received));
  await a.handle(BARE_PROTOCOL, (stream) => consume(stream, listeners.replied));
  const streams = new Map<string, Promise<Stream>>();
  const write = async (from: typeof a, to: typeof b, frame: Uint8Array) => {
    const key = from.peerId.toString();
    if (!streams.has(key)) streams.set(key, from.dialProtocol(to.peerId, BARE_PROTOCOL));
    const stream = await streams.get(key)!;
    if (stream.writableNeedsDrain) await stream.onDrain();
    stream.send(lp.encode.single(frame).subarray());
  };
  return {
    connect: async () => {
      await a.dial(b.getMultiaddrs());
      await a.services.ping.ping(b.peerId);
      streams.set(a.peerId.toString(), a.dialProtocol(b.peerId, BARE_PROTOCOL));
      await streams.get(a.peerId.toString());
    },
    send: (frame) => write(a, b, frame),
    reply: (frame) => write(b, a, frame),
    onReceived: (listener) => void listeners.received.push(listener),
    onReplied: (listener) => void listeners.replied.push(listener),
    ping: async () => void (await a.services.ping.ping(b.peerId)),
    stop: async () => void (await Promise.all([a.stop(), b.stop()])),
  };
}

/** Resolves after `count` more calls of the returned callback. */
function counter(count: number): { tick: () => void; done: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { tick: () => ++seen === count && resolve(), done };
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/** Per-link event listeners are fixed at creation, so a swappable current counter serves every phase. */
async function measure(makeLink: () => Promise<Link>): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = { setup: [], firstFrame: [], ping: [], echo: [], small: [], bulk: [] };
  let received = counter(0);
  let replied = counter(0);
  const small = new Uint8Array(SMALL_FRAME_BYTES);
  for (let i = 0; i < SETUP_ROUNDS; i++) {
    const link = await makeLink();
    link.onReceived(() => received.tick());
    samples.setup!.push(await timed(() => link.connect()));
    received = counter(1);
    samples.firstFrame!.push(await timed(() => Promise.all([link.send(small), received.done])));
    await link.stop();
  }
  const link = await makeLink();
  link.onReceived(() => received.tick());
  link.onReplied(() => replied.tick());
  await link.connect();
  for (let i = 0; i < WARM_UP + PINGS; i++) {
    const rtt = await timed(() => link.ping());
    if (i >= WARM_UP) samples.ping!.push(rtt);
  }
  for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
    received = counter(1);
    replied = counter(1);
    const rtt = await timed(async () => {
      await link.send(small);
      await received.done;
      await link.reply(small);
      await replied.done;
    });
    if (i >= WARM_UP) samples.echo!.push(rtt);
  }
  received = counter(smallFrames);
  const smallMs = await timed(async () => {
    await Promise.all(Array.from({ length: smallFrames }, () => link.send(small)));
    await received.done;
  });
  samples.small!.push(smallFrames / (smallMs / 1000));
  const bulk = new Uint8Array(BULK_FRAME_BYTES).fill(0x5a);
  received = counter(BULK_FRAMES);
  const bulkMs = await timed(async () => {
    await Promise.all(Array.from({ length: BULK_FRAMES }, () => link.send(bulk)));
    await received.done;
  });
  samples.bulk!.push((BULK_FRAMES * BULK_FRAME_BYTES) / 1e6 / (bulkMs / 1000));
  await link.stop();
  return samples;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const keys = (await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])) as [
    Ed25519PrivateKey,
    Ed25519PrivateKey,
  ];
  // Alternate twice so neither side always runs on a colder or busier machine.
  const host: Record<string, number[]>[] = [];
  const bare: Record<string, number[]>[] = [];
  for (let run = 0; run < 2; run++) {
    host.push(await measure(() => hostLink(keys)));
    bare.push(await measure(bareLink));
  }
  const merged = (runs: Record<string, number[]>[], key: string) => runs.flatMap((r) => r[key]!);
  const rows: Array<[string, string, string, number]> = [
    ['connection setup p50 (dial, Noise, Yamux, ping, open stream)', 'ms', 'setup', 0.5],
    ['first frame after connecting p50', 'ms', 'firstFrame', 0.5],
    ['ping RTT p50', 'ms', 'ping', 0.5],
    ['ping RTT p99', 'ms', 'ping', 0.99],
    [`frame round trip p50 (${SMALL_FRAME_BYTES} B each way)`, 'ms', 'echo', 0.5],
    [`frame round trip p99 (${SMALL_FRAME_BYTES} B each way)`, 'ms', 'echo', 0.99],
    [`pipelined ${SMALL_FRAME_BYTES} B frames, ${smallFrames} (median of 2)`, 'frames/s', 'small', 0.5],
    [`bulk, ${BULK_FRAMES} × 1 MiB frames (median of 2)`, 'MB/s', 'bulk', 0.5],
  ];
  const widths = [60, 9, 10, 12, 10];
  const pad = (text: string, width: number) => text.padEnd(width);
  const format = (value: number) => value.toFixed(value >= 100 ? 0 : value >= 1 ? 2 : 3);
  console.log(`party host vs bare js-libp2p on 127.0.0.1, same run, Node ${process.version}`);
  console.log(['measure', 'unit', 'host', 'bare libp2p', 'host/bare'].map((h, i) => pad(h, widths[i]!)).join(' | '));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const [label, unit, key, q] of rows) {
    const h = quantile(merged(host, key), q);
    const b = quantile(merged(bare, key), q);
    console.log([label, unit, format(h), format(b), (h / b).toFixed(2)].map((c, i) => pad(c, widths[i]!)).join(' | '));
  }
}

await main();
