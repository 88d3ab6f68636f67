/**
 * An incremental reader of server-sent events, fed the bytes of a stream as they pass through the proxy.
 * It only watches: the bytes go to the caller unchanged whatever it makes of them. A line longer than the
 * cap stops the parsing (the usage is then unknown and the request is charged its reservation) rather than
 * letting one provider response grow the gateway's memory without bound.
 */
import { StringDecoder } from 'node:string_decoder';
import type { SseEvent } from './styles/style.js';

const MAX_LINE_CHARS = 1 << 20;

export class SseParser {
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #gaveUp = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(chunk: Uint8Array): void {
    if (this.#gaveUp) return;
    this.#buffer += this.#decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      this.#line(this.#buffer.slice(0, newline).replace(/\r$/, ''));
      this.#buffer = this.#buffer.slice(newline + 1);
    }
    if (this.#buffer.length > MAX_LINE_CHARS) {
      this.#gaveUp = true;
      this.#buffer = '';
    }
  }

  /** The stream ended: an event not yet closed by a blank line still counts (providers may omit it). */
  end(): void {
    if (this.#gaveUp) return;
    this.#buffer += this.#decoder.end();
    if (this.#buffer) this.#line(this.#buffer.replace(/\r$/, ''));
    this.#buffer = '';
    this.#dispatch();
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
  }

  #dispatch(): void {
    if (this.#data.length) this.onEvent({ event: this.#event || 'message', data: this.#data.join('\n') });
    this.#event = '';
    this.#data = [];
  }
}
