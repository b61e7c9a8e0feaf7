/**
 * A value, or a promise of it: an in-memory store or Node's HMAC answers at once, a networked
 * store or Web Crypto later. Code on the delivery path awaits only what is a promise.
 *
 * @example
 * ```ts
 * const answer: MaybePromise<Claim> = { status: 'duplicate' };
 * ```
 */
export type MaybePromise<T> = T | Promise<T>;

/** Whether a value returned by user code (a handler, an observer hook) is a promise or thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
