const QUIET_MS = 30_000;

const DEFAULT_LISTENER = Symbol('default listener');
const attached = new WeakMap<object, Set<unknown>>();

/**
 * A warning for client errors that says the first one, then at most one more every 30 s with a
 * count, so a server that stays down for an hour does not flood the log with reconnect failures.
 *
 * @example
 * ```ts
 * import { createThrottledWarning } from '@armalo-webhooks/core/store-kit';
 * const warn = createThrottledWarning('my-store: client error');
 * client.on('error', warn);
 * ```
 */
export function createThrottledWarning(
  label: string,
  warn: (message: string) => void = console.warn,
): (error: Error) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastAt < QUIET_MS) {
      suppressed++;
      return;
    }
    const more = suppressed > 0 ? ` (${suppressed} more since the last warning)` : '';
    suppressed = 0;
    lastAt = now;
    warn(`${label}: ${error?.message ?? String(error)}${more}`);
  };
}

/**
 * An emitter of connection errors, such as a Redis client or a `pg` Pool.
 *
 * @example
 * ```ts
 * const emitter: ErrorEmitter = pool;
 * ```
 */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Listens for a store client's 'error' events. An EventEmitter with no 'error' listener throws
 * the error, which kills the process (node-redis emits every connection failure that way, and `pg`
 * emits when an idle connection dies), so a store listens: an outage then shows up only as failed
 * store calls, which the receiver answers with 503. `listener` defaults to a throttled warning
 * under `label`; `false` leaves the emitter alone (you listen yourself).
 *
 * @example
 * ```ts
 * import { listenForErrors } from '@armalo-webhooks/core/store-kit';
 * listenForErrors(pool, options.onPoolError, 'my-store: pool error');
 * ```
 */
export function listenForErrors(
  emitter: ErrorEmitter,
  listener: ((error: Error) => void) | false | undefined,
  label: string,
): void {
  if (listener === false) return;
  // Several stores on one client or pool (one per receiver, say) add a given listener, or the
  // default warning, once, instead of stacking copies that trip Node's MaxListeners warning.
  const key = listener ?? DEFAULT_LISTENER;
  let seen = attached.get(emitter);
  if (seen === undefined) {
    seen = new Set();
    attached.set(emitter, seen);
  }
  if (seen.has(key)) return;
  seen.add(key);
  const onError = listener ?? createThrottledWarning(label);
  emitter.on('error', (error: Error) => {
    try {
      onError(error);
    } catch {
      // A throwing listener would turn back into the crash this listener exists to prevent.
    }
  });
}
