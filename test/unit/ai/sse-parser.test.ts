/** The server-sent-events reader: events split anywhere between chunks, CRLF, comments, and its memory cap. */
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../../api/engines/ai/sse-parser.js';
import type { SseEvent } from '../../../api/engines/ai/styles/style.js';

const STREAM =
  ': keep-alive comment\n' +
  'event: message_start\ndata: {"type":"message_start","text":"héllo wörld ✓"}\n\n' +
  'data: first line\ndata: second line\n\n' +
  'event: ping\r\ndata: {}\r\n\r\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"héllo wörld ✓"}' },
  { event: 'message', data: 'first line\nsecond line' },
  { event: 'ping', data: '{}' },
  { event: 'message', data: '[DONE]' },
];

function parse(chunks: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return events;
}

describe('SseParser', () => {
  it('reads the same events whatever byte the stream is split at (including inside a UTF-8 character)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    let splits = 0;
    for (let i = 0; i <= bytes.length; i++) {
      expect(parse([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(EXPECTED);
      splits++;
    }
    expect(splits).toBe(bytes.length + 1);
    expect(parse([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('delivers a last event that the stream ended without a blank line', () => {
    expect(parse([new TextEncoder().encode('event: message_delta\ndata: {"usage":{}}')])).toEqual([{ event: 'message_delta', data: '{"usage":{}}' }]);
  });

  it('gives up (instead of buffering without bound) on a line longer than 1 MiB', () => {
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e));
    p.push(new TextEncoder().encode(`data: ${'x'.repeat((1 << 20) + 10)}`));
    p.push(new TextEncoder().encode('\n\ndata: after\n\n'));
    p.end();
    expect(events).toEqual([]);
  });
});
