import type { FreshnessCapability } from '../freshness/types.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { WebhookLogger } from '../observe/logger.js';

/**
 * The answer to a claim.
 *
 * - `claimed`: you own the lease until it expires; pass `token` to `complete` or `release`.
 * - `duplicate`: completed earlier; acknowledge and run nothing.
 * - `in-flight`: another attempt holds a live lease; answer 409 and let the sender retry.
 *
 * @example
 * ```ts
 * const claim: Claim = { status: 'in-flight', retryAfterMs: 12_000 };
 * ```
 */
export type Claim =
  | { status: 'claimed'; token: string }
  | { status: 'duplicate' }
  | { status: 'in-flight'; retryAfterMs?: number };

/**
 * Where delivery keys are claimed, so that each delivery runs its handlers once. A claim is a
 * lease: if the process dies mid-handler the lease expires and a retry can proceed. `complete`
 * and `release` act only while `token` still owns the key, so a slow attempt whose lease expired
 * cannot clobber a newer one. Implementations must be atomic across every process sharing them.
 * Methods may answer with a value or a promise. The receiver bounds every call with
 * `idempotency.timeoutMs`; a store needs no timer of its own.
 *
 * @example
 * ```ts
 * const store: IdempotencyStore = createMemoryStore();
 * const claim = await store.claim('delivery-key', 60_000);
 * if (claim.status === 'claimed') await store.complete('delivery-key', claim.token, 86_400_000);
 * ```
 */
export interface IdempotencyStore {
  /** Claims `key` for `leaseMs`, unless it is completed or leased by someone else. */
  claim(key: string, leaseMs: number): MaybePromise<Claim>;
  /** Marks `key` done for `retainMs`, if `token` still owns it. */
  complete(key: string, token: string, retainMs: number): MaybePromise<void>;
  /** Gives `key` up after a failure, if `token` still owns it, so the retry is processed. */
  release(key: string, token: string): MaybePromise<void>;
  /**
   * Called by each receiver that uses the store, with the receiver's logger, so that the store's
   * own warnings (a full memory store, a dropped connection) go where the receiver's go. A store
   * given a logger of its own keeps it.
   */
  useLogger?(logger: WebhookLogger): void;
  /**
   * The optional capability behind the receiver's `freshness` option (see `FreshnessCapability`):
   * claims that also check a per-key watermark, completions that also advance it.
   */
  readonly freshness?: FreshnessCapability;
}
