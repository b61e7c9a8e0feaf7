import type { PgPoolLike } from './pool.js';

const QUIET_MS = 30_000;

/**
 * The default `onPoolError`: one warning, then at most one more every 30 s with a count, so a
 * database that stays down does not flood the log.
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
    warn(`armalo-webhooks/postgres: pool error: ${error?.message ?? String(error)}${more}`);
  };
}

/**
 * `pg` emits 'error' on the pool when an idle connection dies (a server restart, a dropped
 * network); with no listener that error kills the process. The store listens, so an outage shows
 * up only as failed store calls, which the receiver turns into 503s.
 */
export function listenForPoolErrors(pool: PgPoolLike, onPoolError: ((error: Error) => void) | false | undefined): void {
  if (onPoolError === false) return;
  const listener = onPoolError ?? createThrottledWarning();
  pool.on('error', (error: Error) => {
    try {
      listener(error);
    } catch {
      // A throwing listener would turn back into the crash this listener exists to prevent.
    }
  });
}
