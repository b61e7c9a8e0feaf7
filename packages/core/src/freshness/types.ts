import type { DataMap, EventNameOf, EventOf, SchemaMap } from '../events/event-types.js';
import type { InboxJob } from '../inbox/types.js';
import type { MaybePromise } from '../maybe-promise.js';

/**
 * The `freshness` receiver option: for each event name, the key of the thing whose state the event
 * describes. Events that share a key share one watermark, the envelope timestamp of the newest
 * delivery handled for that key; an older delivery runs no handler (`stale`). Events not named
 * here are not guarded.
 *
 * @example
 * ```ts
 * const freshness: FreshnessOptions = {
 *   // two event names for one thing: one watermark for both
 *   'score.changed': (e) => `agent-score:${e.data.agentId}`,
 *   'agent.score.changed': (e) => `agent-score:${e.data.agentId}`,
 * };
 * ```
 */
export type FreshnessOptions<S extends SchemaMap = Record<never, never>> = {
  [N in EventNameOf<S>]?: (event: EventOf<DataMap<S>, N>) => string;
};

/**
 * One delivery's place on its key's watermark, as the store (or inbox engine) sees it: the key
 * already scoped to the receiver (`<scope>:<your key>`, like delivery keys) and the delivery's
 * signed envelope timestamp.
 *
 * @example
 * ```ts
 * const mark: FreshnessMark = { key: '3f1c…:agent-score:agent_42', timestampMs: Date.parse('2026-03-01T10:06:00Z') };
 * ```
 */
export interface FreshnessMark {
  key: string;
  timestampMs: number;
}

/**
 * The answer to a freshness claim: a {@link Claim} that also read the watermark.
 *
 * - `claimed`: you own the delivery's lease AND the key's lease (no other delivery of the same key
 *   runs until you complete or release, or the lease ends); `watermarkMs` is the key's watermark
 *   (`undefined`: none yet).
 * - `stale`: the delivery is older than the watermark; nothing was claimed, run nothing.
 * - `duplicate`: this delivery completed earlier (checked before staleness).
 * - `in-flight`: this delivery, or another delivery of the same key, holds a live lease.
 *
 * @example
 * ```ts
 * const claim: FreshnessClaim = { status: 'stale', watermarkMs: 1_772_359_560_000 };
 * ```
 */
export type FreshnessClaim =
  | { status: 'claimed'; token: string; watermarkMs: number | undefined }
  | { status: 'stale'; watermarkMs: number }
  | { status: 'duplicate' }
  | { status: 'in-flight'; retryAfterMs?: number };

/**
 * The one optional store capability behind the `freshness` option: claim-and-check, then
 * complete-and-advance, each in the store's one atomic step (one Lua script, one statement), so
 * freshness costs no extra round trip. A store that has it sets `store.freshness`; the memory,
 * Redis and PostgreSQL stores do.
 *
 * Contract: `claim` answers `duplicate` for a completed delivery, then `stale` when
 * `mark.timestampMs` is lower than the key's watermark (equal is not stale), then `in-flight` when
 * the delivery or the key is leased by someone else, and otherwise leases both to one new token.
 * `complete` marks the delivery done (as `IdempotencyStore.complete`), raises the watermark to
 * `mark.timestampMs` when that is higher, keeps the watermark at least `retainMs`, frees the key's
 * lease if `token` holds it, and answers whether it raised the watermark. `release` gives up both
 * leases held by `token` and leaves the watermark as it was.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const mark = { key: 'scope:agent-score:a1', timestampMs: Date.now() };
 * const claim = await store.freshness!.claim('scope:delivery-1', 60_000, mark);
 * if (claim.status === 'claimed') await store.freshness!.complete('scope:delivery-1', claim.token, 86_400_000, mark); // true
 * ```
 */
export interface FreshnessCapability {
  claim(key: string, leaseMs: number, mark: FreshnessMark): MaybePromise<FreshnessClaim>;
  complete(key: string, token: string, retainMs: number, mark: FreshnessMark): MaybePromise<boolean>;
  release(key: string, token: string, mark: FreshnessMark): MaybePromise<void>;
}

/**
 * What an inbox engine provides for `freshness` (`inbox.freshness`), called by core's worker around
 * the handlers of a job whose event has a freshness key. `begin` reads the watermark and answers
 * whether the job is stale; `advance` runs after the handlers succeeded (in the engine's
 * transaction where it has one, such as `ctx.pg`) and answers whether it raised the watermark;
 * `end` runs after a failure.
 *
 * @example
 * ```ts
 * const began = await inbox.freshness!.begin(job, mark);
 * if (began.status === 'fresh') await inbox.freshness!.advance(job, mark);
 * ```
 */
export interface InboxFreshness {
  begin(job: InboxJob, mark: FreshnessMark): Promise<FreshnessBegin>;
  advance(job: InboxJob, mark: FreshnessMark): Promise<boolean>;
  end?(job: InboxJob, mark: FreshnessMark): Promise<void>;
}

/**
 * What {@link InboxFreshness.begin} answers: `fresh` (run the handlers), `stale` (settle the job as
 * stale, run nothing), or `busy` (another job of the key is running: try again after `retryAfterMs`).
 *
 * @example
 * ```ts
 * const began: FreshnessBegin = { status: 'fresh', watermarkMs: undefined };
 * ```
 */
export type FreshnessBegin =
  | { status: 'fresh'; watermarkMs: number | undefined }
  | { status: 'stale'; watermarkMs: number }
  | { status: 'busy'; retryAfterMs: number };

/**
 * `ctx.freshness`: the guard's view of the delivery, for an event with a freshness key
 * (`undefined` for the others).
 *
 * Whether a delivery advanced the watermark is known only once its handlers succeeded, after they
 * ran; `advances` is the honest version handlers can see: the delivery is newer than the watermark,
 * so it raises the watermark if the handlers succeed. It is exact because the key is leased to this
 * delivery while its handlers run (another delivery of the key waits); only a handler that outlives
 * its lease (`idempotency.leaseMs`) can see it overtaken. The completed answer's `meta.freshness`
 * says what happened.
 *
 * @example
 * ```ts
 * webhooks.on('score.changed', async (event, ctx) => {
 *   if (ctx.freshness?.advances) await db.saveScore(event.data.agentId, event.data.compositeScore);
 * });
 * ```
 */
export interface FreshnessInfo {
  /** Your key, as the `freshness` function returned it (unscoped). */
  readonly key: string;
  /** The watermark when this delivery was claimed: the newest handled timestamp; `undefined` if none. */
  readonly watermark: Date | undefined;
  /** This delivery is newer than `watermark`: it raises the watermark when its handlers succeed. */
  readonly advances: boolean;
}
