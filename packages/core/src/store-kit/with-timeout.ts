/**
 * Settles like `promise`, or rejects with `message` after `ms` (no limit when `ms` is not finite).
 * A store call must answer promptly even while its client queues commands for a server that is
 * gone, so that the receiver can answer 503 and the sender retries. The late settlement of
 * `promise` is still observed, so it never becomes an unhandled rejection.
 *
 * @example
 * ```ts
 * import { withTimeout } from '@armalo-webhooks/core/store-kit';
 * const reply = await withTimeout(client.get(key), 2_000, 'claim got no answer from the server within 2000 ms');
 * ```
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
