import type { RedisClientLike } from './client.js';

const QUIET_MS = 30_000;

/**
 * The default `onClientError`: one warning, then at most one more every 30 s with a count, so a
 * server that stays down for an hour does not flood the log with reconnect failures.
 */
export function createThrottledWarning(warn: (message: string) => void = console.warn): (error: Error) => void {
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
    warn(`armalo-webhooks/redis: Redis client error: ${error?.message ?? String(error)}${more}`);
  };
}

/**
 * An EventEmitter with no 'error' listener throws the error, which kills the process (node-redis
 * emits every connection failure that way). The store listens so that a Redis outage shows up
 * only as failed store calls, which the receiver turns into 503s.
 */
export function listenForClientErrors(
  client: RedisClientLike,
  onClientError: ((error: Error) => void) | false | undefined,
): void {
  if (onClientError === false) return;
  const listener = onClientError ?? createThrottledWarning();
  client.on('error', (error: Error) => {
    try {
      listener(error);
    } catch {
      // A throwing listener would turn back into the crash this listener exists to prevent.
    }
  });
}
