/** In-process frame transport between session managers: asynchronous delivery tagged with the sender's peer id. */
import type { FrameTransport } from '../../node/sessions/manager.js';

export class LoopbackNetwork {
  private readonly handlers = new Map<string, (from: string, frame: Uint8Array) => void>();
  /** Peers that neither send nor receive (an offline node). */
  readonly down = new Set<string>();
  /** A slow link: sends to this peer resolve (and arrive) only after this many ms. */
  readonly slow = new Map<string, number>();

  transport(peer: string): FrameTransport {
    return {
      send: async (to, frame) => {
        if (this.down.has(to) || this.down.has(peer)) throw new Error(`peer ${to} unreachable`);
        const delay = this.slow.get(to);
        if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
        setImmediate(() => this.handlers.get(to)?.(peer, frame));
      },
      onFrame: (handler) => {
        this.handlers.set(peer, handler);
        return () => this.handlers.delete(peer);
      },
    };
  }

  /** Deliver a frame now, as if `from` had sent it (a forged or replayed frame). */
  inject(to: string, from: string, frame: Uint8Array): void {
    this.handlers.get(to)?.(from, frame);
  }
}
