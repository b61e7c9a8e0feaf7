import type { InboxEntry, InboxFilter, InboxStats, RedriveFilter, StoredDelivery } from '@armalo-webhooks/core';
import { listLimit, matchesFilter, matchesRedrive, selectEntries } from '@armalo-webhooks/core/engine-kit';
import type { PgBoss, QueueStats } from 'pg-boss';
import { type DeliveryJob, toEntry } from './entries.js';
import { deliveryJobId, isUuid } from './job-id.js';

/** Jobs read per `findJobs()` call while listing. */
const PAGE = 1_000;
/** Most dead letters read to list or redrive them. */
const MAX_DEAD_READ = 100_000;

/**
 * The inbox's read side on pg-boss's public API: jobs through `findJobs()` (current), counts
 * through `getQueueStats()` (pg-boss's own, refreshed by its maintenance).
 */
export function createReads(boss: PgBoss, queue: string, deadLetterQueue: string) {
  async function findJobs(name: string, filter: { id?: string; data?: object; queued?: boolean } = {}) {
    const jobs: DeliveryJob[] = [];
    for (let after: string | undefined; ; ) {
      const page = await boss.findJobs<StoredDelivery>(name, { ...filter, limit: PAGE, ...(after ? { after } : {}) });
      jobs.push(...page);
      if (page.length < PAGE || jobs.length >= MAX_DEAD_READ) return jobs;
      after = page.at(-1)?.id;
    }
  }

  async function deadLetters(event?: string): Promise<InboxEntry[]> {
    const jobs = await findJobs(deadLetterQueue, event === undefined ? {} : { data: { event } });
    return jobs.map((job) => toEntry(job, true));
  }

  /** Jobs of the queue that pass `keep`, oldest first, read a page at a time until `limit` of them are found. */
  async function sourceEntries(
    filter: { data?: object; queued?: boolean },
    keep: (entry: InboxEntry) => boolean,
    limit: number,
  ): Promise<InboxEntry[]> {
    const found: InboxEntry[] = [];
    for (let after: string | undefined; found.length < limit; ) {
      const page = await boss.findJobs<StoredDelivery>(queue, { ...filter, limit: PAGE, ...(after ? { after } : {}) });
      for (const job of page) {
        // A failed job's dead letter is listed from the dead-letter queue; the job itself stays
        // only as the record that answers re-sends `duplicate`.
        if (job.state === 'failed' || job.state === 'cancelled') continue;
        const entry = toEntry(job, false);
        if (keep(entry)) found.push(entry);
      }
      if (page.length < PAGE) break;
      after = page.at(-1)?.id;
    }
    return found;
  }

  return {
    /** Waiting deliveries (ready or delayed), as pg-boss last counted them. */
    async backlog(): Promise<number> {
      return (await counted(boss, queue)).queuedCount;
    },

    async stats(): Promise<Omit<InboxStats, 'stale'>> {
      // pg-boss 12 counts in its maintenance pass and serves those counts; force refreshes ones
      // older than a minute. There is no live count in its public API.
      const [source, dead] = await Promise.all([counted(boss, queue), counted(boss, deadLetterQueue)]);
      return {
        waiting: source.queuedCount - source.deferredCount,
        active: source.activeCount,
        delayed: source.deferredCount,
        dead: dead.queuedCount,
        completed: Math.max(0, source.totalCount - source.queuedCount - source.activeCount - source.failedCount),
        asOf: new Date(Math.min(source.capturedOn.getTime(), dead.capturedOn.getTime())),
      };
    },

    async list(filter: InboxFilter = {}): Promise<InboxEntry[]> {
      const limit = listLimit(filter);
      const data = filter.event === undefined ? {} : { data: { event: filter.event } };
      const dead = filter.state === undefined || filter.state === 'dead' ? await deadLetters(filter.event) : [];
      const live =
        filter.state === 'dead'
          ? []
          : await sourceEntries(
              { ...data, ...(filter.state === 'waiting' || filter.state === 'delayed' ? { queued: true } : {}) },
              (entry) => matchesFilter(entry, filter),
              limit,
            );
      return selectEntries([...live, ...dead], filter);
    },

    /** By job id (of the queue or the dead-letter queue) or delivery id; a failed job answers as its dead letter. */
    async get(id: string): Promise<InboxEntry | undefined> {
      const jobId = isUuid(id) ? id : deliveryJobId(queue, id);
      const [job] = await boss.findJobs<StoredDelivery>(queue, { id: jobId });
      if (job !== undefined) {
        if (job.state === 'failed') {
          const copies = await boss.findJobs<StoredDelivery>(deadLetterQueue, {
            data: { deliveryId: job.data.deliveryId },
          });
          const copy = copies.find((candidate) => candidate.sourceId === job.id);
          if (copy !== undefined) return toEntry(copy, true);
        }
        return toEntry(job, false);
      }
      if (!isUuid(id)) return undefined;
      const [dead] = await boss.findJobs<StoredDelivery>(deadLetterQueue, { id });
      return dead && toEntry(dead, true);
    },

    /** The dead letters with these ids, as jobs. */
    async deadLetterJobs(ids: readonly string[]): Promise<DeliveryJob[]> {
      const wanted = new Set(ids);
      return (await findJobs(deadLetterQueue)).filter((job) => wanted.has(job.id));
    },

    /** The dead-letter queue's ids of the dead letters `filter` names. */
    async deadLetterIds(filter: RedriveFilter = {}): Promise<string[]> {
      return (await deadLetters(filter.event)).filter((entry) => matchesRedrive(entry, filter)).map((e) => e.id);
    },
  };
}

/** A queue's counts as pg-boss last took them (force: at most a minute old). */
async function counted(boss: PgBoss, name: string): Promise<QueueStats> {
  const [snapshot] = await boss.getQueueStats(name, { force: true });
  if (snapshot === undefined) throw new Error(`pg-boss has no counts for the queue ${name}`);
  return snapshot;
}
