import type { MaybePromise } from '../maybe-promise.js';
import type { IdempotencyConfig } from '../receiver/config.js';
import type { Claim } from './store.js';
import { callStore } from './store-call.js';

/**
 * Claims `key` within the store timeout; a claim that arrives after it is given back, since
 * nothing ran. Throws (or rejects) on a store failure, a timeout or an invalid answer.
 */
export function claimKey(idempotency: IdempotencyConfig, key: string): MaybePromise<Claim> {
  const claim = callStore(
    () => idempotency.store.claim(key, idempotency.leaseMs),
    idempotency.timeoutMs,
    (late) => {
      if (late?.status === 'claimed') Promise.resolve(idempotency.store.release(key, late.token)).catch(() => {});
    },
  );
  return claim instanceof Promise ? claim.then(validClaim) : validClaim(claim);
}

/**
 * A store that answers something else fails closed: running without a token would silently drop
 * deduplication for this delivery.
 */
function validClaim(claim: Claim): Claim {
  const valid =
    claim?.status === 'duplicate' ||
    claim?.status === 'in-flight' ||
    (claim?.status === 'claimed' && typeof claim.token === 'string');
  if (!valid) throw new TypeError(`idempotency store returned an invalid claim (${JSON.stringify(claim)})`);
  return claim;
}

/**
 * Settles a claimed key once the handlers ran: completed for `retainMs` after a success, released
 * after a failure so that the sender's retry runs. Throws (or rejects) on a store failure.
 */
export function settleKey(
  idempotency: IdempotencyConfig,
  key: string,
  token: string,
  succeeded: boolean,
  retainMs: number,
): MaybePromise<void> {
  return callStore(
    () => (succeeded ? idempotency.store.complete(key, token, retainMs) : idempotency.store.release(key, token)),
    idempotency.timeoutMs,
  );
}

/**
 * How long a completed key is kept: until its timestamp leaves the replay window, plus the skew
 * allowance, so that a replay is either deduplicated or refused. Without a window, `retainMs`.
 */
export function retention(
  idempotency: IdempotencyConfig,
  tolerance: { pastMs: number; futureMs: number } | undefined,
  timestampMs: number,
  now: number,
): number {
  if (tolerance === undefined) return idempotency.retainMs;
  return Math.max(timestampMs + tolerance.pastMs - now, 0) + tolerance.futureMs;
}
