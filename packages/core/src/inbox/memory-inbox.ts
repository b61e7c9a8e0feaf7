import { untilDeadline } from '../engine-kit/deadline.js';
import { matchesRedrive, selectEntries } from '../engine-kit/filters.js';
import { checkOrderBy } from '../engine-kit/order-by.js';
import { replayDelivery } from '../engine-kit/replay.js';
import { createReceiverSlot } from '../engine-kit/retention.js';
import { unexpectedFailure } from '../engine-kit/unexpected.js';
import { createKeyGate } from './key-gate.js';
import { createMemoryFreshness } from './memory-freshness.js';
import type {
  BlockedKey,
  ConsumeOptions,
  Inbox,
  InboxConsumer,
  InboxEntry,
  InboxJob,
  InboxOutcome,
  InboxStats,
  OrderBy,
  StoredDelivery,
} from './types.js';

/**
 * Options for {@link createMemoryInbox}.
 *
 * @example
 * ```ts
 * const options: MemoryInboxOptions = { retainMs: 60_000 };
 * ```
 */
export interface MemoryInboxOptions {
  /**
   * How long a completed delivery is kept, deduplicating re-sends. Default: what the receiver's
   * replay window needs (7 days + 5 minutes with the default `tolerance`).
   */
  retainMs?: number;
  /**
   * Most completed (and stale) deliveries kept, and most freshness watermarks; the oldest go first
   * past it (default 100,000).
   */
  maxCompleted?: number;
  /**
   * Per-key ordering: deliveries with one key run one at a time, in the order they were stored; a
   * dead head holds its key back until `redrive` or `skip`. The same semantics as pg-boss's.
   */
  orderBy?: OrderBy;
}

/**
 * An {@link Inbox} with `clear()`, for tests.
 *
 * @example
 * ```ts
 * const inbox: MemoryInbox = createMemoryInbox();
 * inbox.clear();
 * ```
 */
export interface MemoryInbox extends Inbox {
  clear(): void;
}

interface Entry extends InboxEntry {
  runAt: number;
}

/**
 * An inbox in this process's memory. **Not durable**: a restart or a crash loses every delivery it
 * holds, including ones already acknowledged to the sender, and the web process and the worker must
 * be the same process. For tests, the demo and local development; in production use
 * `@armalo-webhooks/pg-boss` or `@armalo-webhooks/bullmq`.
 *
 * @example
 * ```ts
 * import { createInboxWorker, createMemoryInbox, createWebhookReceiver } from '@armalo-webhooks/core';
 *
 * const webhooks = createWebhookReceiver({ secret: 'whsec_dev', inbox: createMemoryInbox() }); // not durable
 * webhooks.on('score.changed', async (event, ctx) => console.log(ctx.attempt, event.data.compositeScore));
 * await createInboxWorker(webhooks, { concurrency: 2 }).start();
 * ```
 */
export function createMemoryInbox(options: MemoryInboxOptions = {}): MemoryInbox {
  const receiver = createReceiverSlot({ retentionMs: options.retainMs });
  const maxCompleted = options.maxCompleted ?? 100_000;
  const orderBy = checkOrderBy(options.orderBy, 'createMemoryInbox()');
  const entries = new Map<string, Entry>(); // insertion order = enqueue order
  const byDelivery = new Map<string, string>(); // delivery id → the job that deduplicates it
  const consumers = new Set<{ options: ConsumeOptions; inFlight: Set<Promise<void>>; stopped: boolean }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  const freshness = createMemoryFreshness({ retentionMs: receiver.retentionMs, maxEntries: maxCompleted });

  function add(delivery: StoredDelivery): string {
    const id = `mem-${++sequence}`;
    entries.set(id, {
      id,
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      state: 'waiting',
      attempts: 0,
      enqueuedAt: new Date(),
      delivery,
      runAt: Date.now(),
    });
    queueMicrotask(pump);
    return id;
  }

  function prune(): void {
    const now = Date.now();
    let completed = 0;
    for (const entry of entries.values()) if (settled(entry)) completed++;
    for (const entry of entries.values()) {
      if (!settled(entry)) continue;
      if (completed <= maxCompleted && (entry.finishedAt?.getTime() ?? now) + receiver.retentionMs() > now) continue;
      entries.delete(entry.id);
      if (byDelivery.get(entry.deliveryId) === entry.id) byDelivery.delete(entry.deliveryId);
      completed--;
    }
  }

  // Hands ready jobs to consumers with free slots, and sets one timer for the next delayed job. A
  // job whose key is held by an earlier unfinished delivery of that key waits for it.
  function pump(): void {
    const now = Date.now();
    let nextAt = Number.POSITIVE_INFINITY;
    const live = [...consumers].filter((consumer) => !consumer.stopped);
    const gate = createKeyGate();
    for (const entry of entries.values()) {
      if (!gate.pass(entry.delivery.orderKey, !settled(entry))) continue;
      if (entry.state !== 'waiting' && entry.state !== 'delayed') continue;
      if (entry.runAt > now) {
        nextAt = Math.min(nextAt, entry.runAt);
        continue;
      }
      const consumer = live.find((candidate) => candidate.inFlight.size < candidate.options.concurrency);
      if (consumer !== undefined) run(consumer, entry);
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (nextAt !== Number.POSITIVE_INFINITY && consumers.size > 0) {
      timer = setTimeout(pump, Math.max(0, nextAt - Date.now()));
      timer.unref?.();
    }
  }

  function run(consumer: { options: ConsumeOptions; inFlight: Set<Promise<void>> }, entry: Entry): void {
    entry.state = 'active';
    entry.attempts++;
    const job: InboxJob = {
      id: entry.id,
      delivery: entry.delivery,
      attempt: entry.attempts,
      enqueuedAt: entry.enqueuedAt,
    };
    const running = consumer.options
      .process(job)
      .catch((error: unknown): InboxOutcome => {
        consumer.options.onError(error);
        return unexpectedFailure(error, job.attempt);
      })
      .then((outcome) => settle(entry, outcome))
      .finally(() => {
        consumer.inFlight.delete(running);
        pump();
      });
    consumer.inFlight.add(running);
  }

  function settle(entry: Entry, outcome: InboxOutcome): void {
    if (entries.get(entry.id) !== entry) return; // cleared meanwhile
    if (outcome.status === 'completed' || outcome.status === 'stale') {
      entry.state = outcome.status;
      entry.finishedAt = new Date();
      prune();
    } else if (outcome.status === 'retry') {
      entry.state = 'delayed';
      entry.lastError = outcome.error;
      entry.runAt = Date.now() + outcome.delayMs;
    } else {
      entry.state = 'dead';
      entry.lastError = outcome.error;
      entry.finishedAt = new Date();
    }
  }

  /** A delayed entry whose time has come reads as waiting, as the engines' own states do. */
  function current(entry: Entry): Entry {
    return entry.state === 'delayed' && entry.runAt <= Date.now() ? { ...entry, state: 'waiting' } : entry;
  }

  function view(entry: Entry): InboxEntry {
    const { runAt: _runAt, ...rest } = current(entry);
    return structuredClone(rest);
  }

  /** The keys held back by a dead head, in the order their heads were stored. */
  function blockedKeys(): BlockedKey[] {
    const heads = new Map<string, BlockedKey>();
    const open = new Set<string>();
    for (const entry of entries.values()) {
      const key = entry.delivery.orderKey;
      if (key === undefined || settled(entry)) continue;
      const held = heads.get(key);
      if (held !== undefined) held.waiting++;
      else if (!open.has(key)) {
        if (entry.state === 'dead') heads.set(key, { key, head: view(entry), waiting: 0 });
        else open.add(key);
      }
    }
    return [...heads.values()];
  }

  function find(id: string): Entry | undefined {
    return entries.get(id) ?? entries.get(byDelivery.get(id) ?? '');
  }

  return {
    kind: 'memory',
    ...(orderBy === undefined ? {} : { orderBy }),
    async enqueue(delivery) {
      const held = byDelivery.get(delivery.deliveryId);
      if (held !== undefined && entries.has(held)) return 'duplicate';
      byDelivery.set(delivery.deliveryId, add(structuredClone(delivery)));
      return 'queued';
    },
    async backlog() {
      let count = 0;
      for (const entry of entries.values()) if (entry.state === 'waiting' || entry.state === 'delayed') count++;
      return count;
    },
    async consume(options): Promise<InboxConsumer> {
      const consumer = { options, inFlight: new Set<Promise<void>>(), stopped: false };
      consumers.add(consumer);
      queueMicrotask(pump);
      return {
        async stop(timeoutMs) {
          consumer.stopped = true;
          await untilDeadline(Promise.allSettled([...consumer.inFlight]), timeoutMs);
          consumers.delete(consumer);
        },
      };
    },
    async stats() {
      const stats: InboxStats = { waiting: 0, active: 0, delayed: 0, dead: 0, completed: 0, stale: 0 };
      for (const entry of entries.values()) {
        const { state } = current(entry);
        stats[state === 'skipped' ? 'completed' : state]++;
      }
      if (orderBy !== undefined) {
        const blocked = blockedKeys();
        stats.blocked = { count: blocked.length, keys: blocked.slice(0, 10).map(({ key }) => key) };
      }
      return stats;
    },
    async list(filter = {}) {
      return selectEntries([...entries.values()].map(current), filter).map(view);
    },
    async get(id) {
      const entry = find(id);
      return entry && view(entry);
    },
    async replay(id) {
      const entry = find(id);
      return entry && add(replayDelivery(view(entry)));
    },
    async redrive(filter = {}) {
      let moved = 0;
      for (const entry of entries.values()) {
        if (!matchesRedrive(entry, filter)) continue;
        entry.state = 'waiting';
        entry.attempts = 0;
        entry.runAt = Date.now();
        delete entry.finishedAt;
        moved++;
      }
      queueMicrotask(pump);
      return moved;
    },
    async blocked({ limit = 100 } = {}) {
      return blockedKeys().slice(0, limit);
    },
    async skip(id) {
      const entry = find(id);
      if (entry === undefined) return undefined;
      if (entry.state !== 'dead' && entry.state !== 'waiting' && entry.state !== 'delayed') {
        throw new Error(
          `delivery ${entry.id} is ${entry.state}: only a dead, waiting or delayed delivery can be skipped`,
        );
      }
      entry.state = 'skipped';
      entry.finishedAt = new Date();
      queueMicrotask(pump);
      return view(entry);
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      consumers.clear();
    },
    useReceiver: receiver.adopt,
    freshness,
    clear() {
      entries.clear();
      byDelivery.clear();
      freshness.clear();
    },
  };
}

/**
 * Done with for good, and kept to deduplicate re-sends: completed, settled stale by the freshness
 * guard, or skipped by an operator.
 */
function settled(entry: InboxEntry): boolean {
  return entry.state === 'completed' || entry.state === 'stale' || entry.state === 'skipped';
}
