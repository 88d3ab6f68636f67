/**
 * Framing of the MPC protocol stream: each frame is an unsigned-varint length followed by that many bytes. The cap
 * bounds what one peer can make us buffer; it is checked before sending (clear error for the caller) and again on
 * receipt (a peer that ignores it gets its stream reset).
 */
import * as lp from 'it-length-prefixed';
import { describeValue } from './describe.js';
import { FrameTooLargeError } from './errors.js';

/** Chunks as a libp2p stream yields them (plain or chunk-list buffers). */
export type ByteSource = Parameters<typeof lp.decode>[0];

/** Largest CGGMP21 messages (Paillier proofs for 3072-bit moduli, many parties) stay far below this. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function assertMaxFrameBytes(maxFrameBytes: unknown): asserts maxFrameBytes is number {
  if (typeof maxFrameBytes !== 'number') {
    throw new TypeError(`"maxFrameBytes" expected integer, got ${describeValue(maxFrameBytes)}`);
  }
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 2 ** 30) {
    throw new RangeError(`"maxFrameBytes" expected integer 1..${2 ** 30}, got ${maxFrameBytes}`);
  }
}

/**
 * Length-prefixes `frame` into one new buffer. Copying means the caller may reuse its buffer as soon as this returns,
 * even though the bytes can sit in the stream's write queue for a while.
 */
export function encodeFrame(frame: Uint8Array, maxFrameBytes: number): Uint8Array {
  if (!(frame instanceof Uint8Array)) throw new TypeError(`"frame" expected Uint8Array, got ${describeValue(frame)}`);
  if (frame.length > maxFrameBytes) {
    throw new FrameTooLargeError(`"frame" expected at most ${maxFrameBytes} bytes, got ${frame.length}`, maxFrameBytes);
  }
  // The decoder only emits a frame once bytes follow its length, so an empty frame could sit unseen at the end of
  // the stream; no protocol message is empty, so refuse it here.
  if (frame.length === 0) throw new RangeError(`"frame" expected 1..${maxFrameBytes} bytes, got 0`);
  return lp.encode.single(frame).subarray();
}

/** Yields the frames of a byte stream; throws FrameTooLargeError as soon as a length prefix exceeds the cap. */
export async function* decodeFrames(source: ByteSource, maxFrameBytes: number): AsyncGenerator<Uint8Array> {
  try {
    for await (const frame of lp.decode(source, { maxDataLength: maxFrameBytes })) {
      const bytes = frame.subarray();
      // Consumers get a plain Uint8Array (Buffer's slice() shares memory where Uint8Array's copies).
      yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_MSG_DATA_TOO_LONG') {
      throw new FrameTooLargeError(`incoming frame exceeds the ${maxFrameBytes}-byte limit`, maxFrameBytes);
    }
    throw err;
  }
}
