/** Retry settings, checked and with their defaults. */
export interface RetryConfig {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before try `attempt + 1`: exponential from `baseMs`, capped at `maxMs`, with equal
 * jitter (half fixed, half random) so that a burst of failures does not retry in lockstep, yet no
 * retry comes back at once.
 */
export function backoffMs(retry: RetryConfig, attempt: number): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
