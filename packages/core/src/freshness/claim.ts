import { callStore } from '../idempotency/store-call.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { IdempotencyConfig } from '../receiver/config.js';
import type { FreshnessCapability, FreshnessClaim, FreshnessMark } from './types.js';

/**
 * `claimKey` for a guarded delivery: claims its key and its freshness key, reading the watermark,
 * within the store timeout; a claim that arrives late is given back. Throws (or rejects) on a store
 * failure, a timeout or an invalid answer.
 */
export function claimFresh(
  idempotency: IdempotencyConfig,
  key: string,
  mark: FreshnessMark,
): MaybePromise<FreshnessClaim> {
  const store = capability(idempotency);
  const claim = callStore(
    () => store.claim(key, idempotency.leaseMs, mark),
    idempotency.timeoutMs,
    (late) => {
      if (late?.status === 'claimed') Promise.resolve(store.release(key, late.token, mark)).catch(() => {});
    },
  );
  return claim instanceof Promise ? claim.then(validClaim) : validClaim(claim);
}

/**
 * `settleKey` for a guarded delivery: after a success, completes the key and advances the watermark
 * (answering whether it rose); after a failure, releases both leases (answering false).
 */
export function settleFresh(
  idempotency: IdempotencyConfig,
  key: string,
  token: string,
  succeeded: boolean,
  retainMs: number,
  mark: FreshnessMark,
): MaybePromise<boolean> {
  const store = capability(idempotency);
  return callStore(() => {
    if (succeeded) return store.complete(key, token, retainMs, mark);
    const released = store.release(key, token, mark);
    return released instanceof Promise ? released.then(() => false) : false;
  }, idempotency.timeoutMs);
}

// The receiver checked at startup that the store has it.
function capability(idempotency: IdempotencyConfig): FreshnessCapability {
  return idempotency.store.freshness as FreshnessCapability;
}

/** As for plain claims: a store that answers something else fails closed. */
function validClaim(claim: FreshnessClaim): FreshnessClaim {
  const valid =
    claim?.status === 'duplicate' ||
    claim?.status === 'in-flight' ||
    (claim?.status === 'stale' && Number.isFinite(claim.watermarkMs)) ||
    (claim?.status === 'claimed' &&
      typeof claim.token === 'string' &&
      (claim.watermarkMs === undefined || Number.isFinite(claim.watermarkMs)));
  if (!valid) throw new TypeError(`idempotency store returned an invalid freshness claim (${JSON.stringify(claim)})`);
  return claim;
}
