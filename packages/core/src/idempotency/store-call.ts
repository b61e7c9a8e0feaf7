import type { MaybePromise } from '../maybe-promise.js';

/**
 * Calls a store or an inbox engine within `timeoutMs`: the one place those calls are timed, so that
 * one that never answers (a hung connection, an exhausted pool) cannot hang a delivery. A value that
 * arrives after the timeout goes to `onLate`. A synchronous answer (the memory store) is returned as
 * it is, with no timer; `Infinity` waits as long as the store takes.
 */
export function callStore<T>(
  call: () => MaybePromise<T>,
  timeoutMs: number,
  onLate?: (value: T) => void,
  what = 'the idempotency store',
): MaybePromise<T> {
  const answer = call();
  if (!(answer instanceof Promise) || timeoutMs === Number.POSITIVE_INFINITY) return answer;
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    answer.then(
      (value) => {
        if (!timedOut) {
          clearTimeout(timer);
          resolve(value);
        } else if (onLate !== undefined) {
          try {
            onLate(value);
          } catch {
            // Best effort: the delivery was already answered.
          }
        }
      },
      (error: unknown) => {
        if (timedOut) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
