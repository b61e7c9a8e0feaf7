import type { MaybePromise } from '../maybe-promise.js';

/**
 * Calls an idempotency store or an inbox engine, bounded by `timeoutMs`: the one place store and
 * engine calls are timed, so that one that never answers (a hung connection, a pool with no free
 * client) cannot hang a delivery. A value answered after the timeout is handed to `onLate` (the receiver releases a
 * claim that arrives too late, so the sender's retry is not held off until the lease ends).
 * A store that answers synchronously (the memory store) is answered synchronously, with no timer.
 * `timeoutMs` has been checked by `timerMs`; `Infinity` waits as long as the store takes.
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
