/** Structured JSON logs (pino) for a node process; the destination is stderr or a file. */
import { pino } from 'pino';
import type { NodeLogger } from './daemon.js';

export function createNodeLogger(options: { level?: string; file?: string; name: string }): NodeLogger {
  const destination = options.file ? pino.destination({ dest: options.file, mkdir: true, sync: false }) : pino.destination(2);
  return pino({ level: options.level ?? 'info', name: options.name, base: { pid: process.pid } }, destination) as unknown as NodeLogger;
}
