import { log, type WebhookLogger } from '../observe/logger.js';

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
 * const warn = createThrottledWarning('my-store: client error', (message) => console.warn(message));
 * client.on('error', warn);
 * ```
 */
export function createThrottledWarning(label: string, warn: (message: string) => void): (error: Error) => void {
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
 * under `label` through `logger()` (the store's logger, see {@link createLoggerSlot}); `false`
 * leaves the emitter alone (you listen yourself).
 *
 * @example
 * ```ts
 * import { listenForErrors } from '@armalo-webhooks/core/store-kit';
 * const logger = createLoggerSlot(options.logger);
 * listenForErrors(pool, options.onPoolError, 'my-store: pool error', logger.get);
 * ```
 */
export function listenForErrors(
  emitter: ErrorEmitter,
  listener: ((error: Error) => void) | false | undefined,
  label: string,
  logger: () => WebhookLogger,
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
  const onError = listener ?? createThrottledWarning(label, (message) => log(logger(), 'warn', message));
  emitter.on('error', (error: Error) => {
    try {
      onError(error);
    } catch {
      // A throwing listener would turn back into the crash this listener exists to prevent.
    }
  });
}

/**
 * A store's logger: the one it was given, else the first receiver's that uses it (through
 * `IdempotencyStore.useLogger`), else `console`. Stores built on the kit share this rule.
 *
 * @example
 * ```ts
 * import { createLoggerSlot } from '@armalo-webhooks/core/store-kit';
 * const logger = createLoggerSlot(options.logger);
 * const store = { ...operations, useLogger: logger.adopt };
 * ```
 */
export function createLoggerSlot(own?: WebhookLogger): { get(): WebhookLogger; adopt(logger: WebhookLogger): void } {
  let current = own;
  return {
    get: () => current ?? console,
    adopt: (logger) => {
      current ??= logger;
    },
  };
}
