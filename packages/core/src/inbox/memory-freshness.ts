import type { FreshnessBegin, FreshnessMark, InboxFreshness } from '../freshness/types.js';
import type { InboxJob } from './types.js';

/** The memory inbox's watermarks, with what `clear()` needs. */
export interface MemoryFreshness extends InboxFreshness {
  clear(): void;
}

interface Holder {
  job: InboxJob;
  waiters: (() => void)[];
}

/**
 * The memory inbox's watermarks: per freshness key, the newest handled timestamp, kept for the
 * retention of completed deliveries and at most `maxEntries` of them (the key advanced longest ago
 * goes first). A key is held by the job running one of its deliveries: another job of the same key
 * waits for it (holding its slot), then checks the watermark again, so an older delivery can never
 * overwrite a newer one's effects by finishing last.
 */
export function createMemoryFreshness(options: { retentionMs: () => number; maxEntries: number }): MemoryFreshness {
  // Map order is the order of the last advance: the head is the key advanced longest ago.
  const marks = new Map<string, { ms: number; expiresAt: number }>();
  const holders = new Map<string, Holder>();

  function watermark(key: string): number | undefined {
    const mark = marks.get(key);
    if (mark === undefined) return undefined;
    if (mark.expiresAt > Date.now()) return mark.ms;
    marks.delete(key);
    return undefined;
  }

  function release(job: InboxJob, mark: FreshnessMark): void {
    const holder = holders.get(mark.key);
    if (holder === undefined || holder.job !== job) return;
    holders.delete(mark.key);
    for (const wake of holder.waiters) wake();
  }

  return {
    async begin(job, mark): Promise<FreshnessBegin> {
      for (;;) {
        const watermarkMs = watermark(mark.key);
        // Stale first: a watermark only rises, so a delivery stale now is stale for good.
        if (watermarkMs !== undefined && mark.timestampMs < watermarkMs) return { status: 'stale', watermarkMs };
        const holder = holders.get(mark.key);
        if (holder === undefined) {
          holders.set(mark.key, { job, waiters: [] });
          return { status: 'fresh', watermarkMs };
        }
        await new Promise<void>((resolve) => holder.waiters.push(resolve));
      }
    },
    async advance(job, mark) {
      const watermarkMs = watermark(mark.key);
      const raised = watermarkMs === undefined || mark.timestampMs > watermarkMs;
      if (raised) {
        marks.delete(mark.key);
        if (marks.size >= options.maxEntries) marks.delete(marks.keys().next().value as string);
        marks.set(mark.key, { ms: mark.timestampMs, expiresAt: Date.now() + options.retentionMs() });
      }
      release(job, mark);
      return raised;
    },
    async end(job, mark) {
      release(job, mark);
    },
    clear() {
      marks.clear();
    },
  };
}
