import type { FreshnessBegin, FreshnessMark, InboxFreshness, InboxJob } from '@armalo-webhooks/core';
import type { Redis } from 'ioredis';

// One script per step, each one round trip. Keys: the watermark (a string holding the newest
// handled timestamp, in ms), the key's lease (which job runs a delivery of that key now), and the
// sorted set of jobs settled stale (scored by when, for `stats()`).

/** Stale first (a watermark only rises, so stale now is stale for good), then busy, else lease it. */
const BEGIN = `
local watermark = redis.call('GET', KEYS[1])
if watermark and tonumber(watermark) > tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[5]) - tonumber(ARGV[6]))
  return {'stale', watermark}
end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then
  return {'busy', tostring(redis.call('PTTL', KEYS[2]))}
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return {'fresh', watermark or ''}
`;

/** Raise the watermark if newer (equal is not), keep it for the retention, free the lease if ours. */
const ADVANCE = `
local watermark = redis.call('GET', KEYS[1])
local raised = 0
if not watermark or tonumber(watermark) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  raised = 1
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return raised
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface FreshnessCommands {
  armaloFreshBegin(...args: (string | number)[]): Promise<[string, string]>;
  armaloFreshAdvance(...args: (string | number)[]): Promise<number>;
  armaloFreshRelease(...args: (string | number)[]): Promise<number>;
}

/** Where the inbox's freshness keys live, and how long they are kept. */
export interface FreshnessSettings {
  prefix: string;
  queue: string;
  /**
   * How long a key stays leased to a job whose worker died: long enough for BullMQ to hand the job
   * out again (its lock, the stalled check's interval, and the lock of the next try).
   */
  leaseMs: number;
  /** How long a watermark (and a stale job's count) is kept: the retention of completed deliveries. */
  retentionMs: () => number;
}

/** The sorted set of jobs settled stale, read by `stats()`. */
export function staleSetKey(settings: Pick<FreshnessSettings, 'prefix' | 'queue'>): string {
  return `${settings.prefix}:${settings.queue}:armalo:stale`;
}

/**
 * The BullMQ inbox's watermarks: plain Redis keys beside the queue's, read and leased in one script
 * before the handlers and raised in one script after they succeeded. A key is leased to the job
 * that runs one of its deliveries, so two workers never run deliveries of one key at once (the
 * second waits, holding its job, as a pg-boss worker waits on the watermark's row lock): a handler
 * that writes "the current state" cannot be overtaken by an older delivery that passed the check
 * first. A lease is the job's: after a crash, its next try takes it back; it lapses after `leaseMs`.
 *
 * `client` answers the connection to use (the worker's); it is asked on every call.
 */
export function createBullMQFreshness(settings: FreshnessSettings, client: () => Redis): InboxFreshness {
  const prepared = new WeakSet<Redis>();
  function commands(): Redis & FreshnessCommands {
    const redis = client();
    if (!prepared.has(redis)) {
      redis.defineCommand('armaloFreshBegin', { numberOfKeys: 3, lua: BEGIN });
      redis.defineCommand('armaloFreshAdvance', { numberOfKeys: 2, lua: ADVANCE });
      redis.defineCommand('armaloFreshRelease', { numberOfKeys: 1, lua: RELEASE });
      prepared.add(redis);
    }
    return redis as Redis & FreshnessCommands;
  }
  const base = `${settings.prefix}:${settings.queue}:armalo`;
  const watermarkKey = (mark: FreshnessMark) => `${base}:watermark:${mark.key}`;
  const leaseKey = (mark: FreshnessMark) => `${base}:lease:${mark.key}`;
  // The lease is the job's, not one try's: a worker killed after its handlers wrote and before the
  // raise leaves the key held, and the job's next try (after BullMQ's stalled check) takes it back
  // before any other delivery of the key can run in between and write an older state.
  const tokenOf = (job: InboxJob) => job.id;

  return {
    async begin(job, mark): Promise<FreshnessBegin> {
      for (;;) {
        const [status, value] = await commands().armaloFreshBegin(
          watermarkKey(mark),
          leaseKey(mark),
          staleSetKey(settings),
          mark.timestampMs,
          tokenOf(job),
          settings.leaseMs,
          job.id,
          Date.now(),
          settings.retentionMs(),
        );
        if (status === 'stale') return { status, watermarkMs: Number(value) };
        if (status === 'fresh') return { status, watermarkMs: value === '' ? undefined : Number(value) };
        // Another job of the key runs: wait for it here (BullMQ keeps renewing this job's lock).
        const left = Number(value);
        await sleep(Math.min(left > 0 ? left : 10, 25) + Math.random() * 10);
      }
    },
    async advance(job, mark) {
      const raised = await commands().armaloFreshAdvance(
        watermarkKey(mark),
        leaseKey(mark),
        mark.timestampMs,
        tokenOf(job),
        settings.retentionMs(),
      );
      return raised === 1;
    },
    async end(job, mark) {
      await commands().armaloFreshRelease(leaseKey(mark), tokenOf(job));
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
