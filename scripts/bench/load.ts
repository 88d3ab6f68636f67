/**
 * A closed-loop HTTP load generator in a worker thread (its own core, off the server's event loop): `concurrency`
 * keep-alive clients on one host, each sending its next request as soon as the last one answered. Latencies are
 * recorded only after a warm-up, so connection set-up and JIT warm-up stay out of the figures.
 */
import { Worker } from 'node:worker_threads';

export interface LoadRound {
  /** Successful (2xx) responses in the measured window. */
  ok: number;
  errors: number;
  /** Why the failed requests failed: HTTP status (or the socket error's code) → count, and one response body. */
  failures: Record<string, number>;
  sampleFailure?: string;
  seconds: number;
  /** Milliseconds, one per successful response. */
  latencies: Float64Array;
}

export interface LoadRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

// Plain JavaScript so the worker needs no TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, method, headers, body, concurrency, warmupMs, durationMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
const latencies = [];
let errors = 0, measuring = false, stop = false, sampleFailure;
const failures = {};
function failed(kind, body) { errors++; failures[kind] = (failures[kind] || 0) + 1; if (sampleFailure === undefined && body) sampleFailure = body.slice(0, 300); }
function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method, agent, headers }, (res) => {
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      let body = '';
      if (ok) res.resume(); else res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        if (measuring) { if (ok) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6); else failed(String(res.statusCode), body); }
        resolve();
      });
    });
    req.on('error', (e) => { if (measuring) failed(e.code || 'socket error', e.message); resolve(); });
    req.end(body);
  });
}
async function client() { while (!stop) await once(); }
const clients = Array.from({ length: concurrency }, client);
setTimeout(() => {
  measuring = true;
  const started = process.hrtime.bigint();
  setTimeout(async () => {
    measuring = false; stop = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await Promise.all(clients);
    agent.destroy();
    const ms = Float64Array.from(latencies);
    parentPort.postMessage({ ok: ms.length, errors, failures, sampleFailure, seconds, latencies: ms }, [ms.buffer]);
  }, durationMs);
}, warmupMs);
`;

export function runLoad(request: LoadRequest): Promise<LoadRound> {
  if (!Number.isInteger(request.concurrency) || request.concurrency < 1 || request.concurrency > 4096) {
    throw new RangeError(`"concurrency" expected integer 1..4096, got ${request.concurrency}`);
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { method: 'GET', headers: {}, ...request } });
    worker.once('message', (round: LoadRound) => {
      resolve(round);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
