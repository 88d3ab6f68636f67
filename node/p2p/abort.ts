/** Small waiting helpers that always end when an AbortSignal fires. */
import { setMaxListeners } from 'node:events';

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (the work itself goes on). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  // One signal commonly bounds a whole round of sends; each adds a listener until it settles.
  setMaxListeners(Infinity, signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Resolves true after `ms`, or false at once if `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** ±25 % so members that lost each other at the same moment do not redial in lockstep. */
export function jitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5));
}
