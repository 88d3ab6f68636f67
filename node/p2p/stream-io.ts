/** Writing to and closing libp2p streams with bounded waits. */
import type { Stream } from '@libp2p/interface';

/** How long a close may take to flush before the stream is reset instead. */
export const CLOSE_GRACE_MS = 1_000;
/** Bytes a stream may hold queued for a slow peer before senders wait for it to drain. */
const WRITE_BACKLOG_BYTES = 4 * 1024 * 1024;

export function isWritable(stream: Stream): boolean {
  return stream.status === 'open' && stream.writeStatus === 'writable';
}

/**
 * Whether a writer should wait before queuing more. Waiting at every full muxer window would leave the socket idle
 * between frames (large frames then move at a fraction of the link's speed), so a bounded backlog is allowed first.
 */
export function needsToWait(stream: Stream): boolean {
  return stream.writableNeedsDrain && stream.writeBufferLength >= WRITE_BACKLOG_BYTES;
}

/**
 * Resolves at the stream's next 'drain' event. Not `stream.onDrain()`: it caches its first resolved promise, so after
 * one drain it returns at once even while the stream is full, and a wait loop on it would spin.
 */
export function drain(stream: Stream, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: unknown): void => {
      stream.removeEventListener('drain', onDrain);
      stream.removeEventListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => finish();
    const onClose = (): void => finish(new Error('stream closed while waiting for it to drain'));
    const onAbort = (): void => finish(signal.reason);
    if (signal.aborted) return onAbort();
    if (stream.status !== 'open') return onClose();
    stream.addEventListener('drain', onDrain);
    stream.addEventListener('close', onClose);
    signal.addEventListener('abort', onAbort);
  });
}

/** Closes our writable end, resetting the stream if the peer does not take the remaining bytes in time. */
export async function closeStream(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return;
  try {
    await stream.close({ signal: AbortSignal.timeout(CLOSE_GRACE_MS) });
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}
