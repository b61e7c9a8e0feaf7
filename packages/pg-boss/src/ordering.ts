import type { BlockedKey, InboxEntry, StoredDelivery } from '@armalo-webhooks/core';
import { ATTEMPT_CEILING } from '@armalo-webhooks/core/engine-kit';
import type { Db, PgBoss } from 'pg-boss';
import type { Database } from './database.js';
import { type DeliveryJob, type DeliveryJobData, type SkippedOutput, toEntry, toFailure } from './entries.js';

/** The queue policy that runs one job per `singletonKey` at a time, oldest first. */
export const ORDERED_POLICY = 'key_strict_fifo';

// Every job of a key_strict_fifo queue needs a singletonKey: an ordered delivery's is its key, an
// unordered one's is its own job id, so it holds back nothing. The prefixes keep the two apart.
const KEYED = 'key:';
const ALONE = 'job:';

/** The `singletonKey` a delivery is stored with on an ordered queue. */
export function singletonKeyOf(delivery: StoredDelivery, jobId: string): string {
  return delivery.orderKey === undefined ? `${ALONE}${jobId}` : `${KEYED}${delivery.orderKey}`;
}

/** pg-boss's page size for `getBlockedKeys`. */
const PAGE = 1_000;

interface Counted {
  affected?: number;
}

/**
 * What per-key ordering adds on pg-boss's `key_strict_fifo` policy. A job that failed for good
 * stays `failed` in the queue (its copy is the dead letter) and holds its key: pg-boss's
 * `getBlockedKeys()` names those keys. Redriving or skipping such a head acts on that failed job
 * itself, in one transaction with removing its dead letter: pg-boss's `redrive()` would create a
 * new job, stored after the key's later deliveries, behind a key the failed job still holds.
 */
export function createOrdering(boss: PgBoss, queue: string, deadLetterQueue: string, database: Database | undefined) {
  /** Runs `work` in one transaction: a half-done redrive or skip would leave a job runnable twice or lost. */
  async function atomically<T>(work: (db: Db) => Promise<T>): Promise<T> {
    if (database === undefined) {
      throw new TypeError(
        'armalo-webhooks: redrive and skip on an ordered pg-boss inbox need `pool` next to `boss`, for their transaction',
      );
    }
    return database.transaction((tx) => work(tx.db));
  }
  const on = (db: Db) => ({ db });

  /** Blocked keys, in key order, at most `limit` (every one with `Infinity`). */
  async function blockedKeys(limit: number): Promise<string[]> {
    const keys: string[] = [];
    // Every ordered key sorts after `key:`, and every unordered job's `job:…` before it.
    for (let after = KEYED; keys.length < limit; ) {
      const page = await boss.getBlockedKeys(queue, { after, limit: PAGE });
      for (const key of page) if (key.startsWith(KEYED) && keys.length < limit) keys.push(key.slice(KEYED.length));
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) break;
      after = last;
    }
    return keys;
  }

  /** The dead letter of a key's failed head, and the head itself. */
  async function headOf(key: string): Promise<{ copy?: DeliveryJob; source: DeliveryJob } | undefined> {
    const copies = await boss.findJobs<DeliveryJobData>(deadLetterQueue, { key: `${KEYED}${key}` });
    for (const copy of copies.reverse()) {
      if (copy.sourceId === null) continue;
      const [source] = await boss.findJobs<DeliveryJobData>(queue, { id: copy.sourceId });
      if (source?.state === 'failed') return { copy, source };
    }
    return undefined;
  }

  /** The failed job in the queue behind a dead letter, if it is still there. */
  async function sourceOf(copy: DeliveryJob): Promise<DeliveryJob | undefined> {
    if (copy.sourceId === null) return undefined;
    const [source] = await boss.findJobs<DeliveryJobData>(queue, { id: copy.sourceId });
    return source?.state === 'failed' ? source : undefined;
  }

  return {
    blockedKeys,

    async blocked(limit: number): Promise<BlockedKey[]> {
      const found: BlockedKey[] = [];
      for (const key of await blockedKeys(limit)) {
        const head = await headOf(key);
        if (head === undefined) continue; // redriven or skipped meanwhile
        const waiting = await boss.findJobs(queue, { key: `${KEYED}${key}`, queued: true });
        const entry = head.copy === undefined ? toEntry(head.source, false) : toEntry(head.copy, true);
        found.push({ key, head: entry, waiting: waiting.length });
      }
      return found.sort((a, b) => a.head.enqueuedAt.getTime() - b.head.enqueuedAt.getTime());
    },

    /**
     * Brings a dead letter's failed job back as its key's head, with a fresh budget of tries, and
     * removes the dead letter. Answers false when the failed job is gone (past its retention): the
     * key is not held then, and pg-boss's own redrive serves.
     */
    async revive(copy: DeliveryJob): Promise<boolean> {
      const source = await sourceOf(copy);
      if (source === undefined) return false;
      return atomically(async (db) => {
        const retried = (await boss.retry(queue, source.id, on(db))) as Counted;
        if (retried.affected !== 1) return false;
        // The next claim is try retryCount + 2 in pg-boss's count: it is try 1 of the new budget.
        const data: DeliveryJobData = { ...source.data, attemptsBefore: source.retryCount + 1 };
        await boss.update(queue, data, { id: source.id, retryLimit: source.retryCount + ATTEMPT_CEILING, ...on(db) });
        await boss.deleteJob(deadLetterQueue, copy.id, on(db));
        return true;
      });
    },

    /**
     * Settles a delivery as skipped: a completed job whose output says so. A dead letter's failed
     * job is completed from `failed` and its dead letter removed; a waiting job is locked first
     * (an update that only touches a job not yet active), so a worker cannot be running it.
     */
    async skip(entry: InboxEntry, job: DeliveryJob): Promise<boolean> {
      const output: SkippedOutput = { skipped: true };
      if (entry.state === 'dead') {
        const source = job.name === deadLetterQueue ? await sourceOf(job) : job;
        const lastError = toFailure(job.name === deadLetterQueue ? job.sourceOutput : job.output);
        if (lastError !== undefined) output.lastError = lastError;
        return atomically(async (db) => {
          if (source !== undefined) {
            const retried = (await boss.retry(queue, source.id, on(db))) as Counted;
            if (retried.affected !== 1) throw new Error(`delivery ${entry.deliveryId} changed while being skipped`);
            await boss.complete(queue, source.id, output, { includeQueued: true, ...on(db) });
          }
          if (job.name === deadLetterQueue) await boss.deleteJob(deadLetterQueue, job.id, on(db));
          return true;
        });
      }
      const lastError = toFailure(job.output);
      if (lastError !== undefined) output.lastError = lastError;
      return atomically(async (db) => {
        const locked = await boss.update(queue, job.data, { id: job.id, ...on(db) });
        if (locked.updated !== 1) return false;
        await boss.complete(queue, job.id, output, { includeQueued: true, ...on(db) });
        return true;
      });
    },
  };
}
