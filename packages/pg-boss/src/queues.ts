import { ATTEMPT_CEILING } from '@armalo-webhooks/core/engine-kit';
import type { PgBoss, Queue, QueuePolicy, SendOptions } from 'pg-boss';

/** A queued delivery is kept until it is processed: pg-boss's `retentionSeconds` set out of reach (20 years). */
const UNTIL_PROCESSED_SECONDS = 20 * 365 * 86_400;

/** What the inbox's two queues are configured with. */
export interface QueueSettings {
  queue: string;
  /** Where pg-boss copies a job that failed for good: the inbox's dead letters. */
  deadLetterQueue: string;
  /** A job still active this long is taken as lost and handed out again. */
  expireInSeconds: number;
  /** How long a completed (or dead-lettered) job is kept: the window in which a re-send is a duplicate. */
  retentionSeconds: number;
  /** How long a dead letter is kept. */
  deadRetentionSeconds: number;
  /**
   * The queue's policy, fixed when pg-boss creates it: `key_strict_fifo` with `orderBy`. Undefined
   * for an admin connection (the CLI), which takes the policy the queue has.
   */
  policy: QueuePolicy | undefined;
}

/** The dead-letter queue of a queue. */
export function deadLetterQueueOf(queue: string): string {
  return `${queue}.dead`;
}

/**
 * The source queue's options. Core's worker decides retries and dead letters, so pg-boss is given
 * a ceiling of tries and no delay of its own: the inbox moves a retry to core's time (update's
 * `startAfter`) in the transaction that fails it.
 */
export function queueOptions(settings: QueueSettings): Omit<Queue, 'name' | 'policy'> {
  return {
    deadLetter: settings.deadLetterQueue,
    retryLimit: ATTEMPT_CEILING,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: settings.expireInSeconds,
    deleteAfterSeconds: settings.retentionSeconds,
    retentionSeconds: UNTIL_PROCESSED_SECONDS,
  };
}

function deadLetterOptions(settings: QueueSettings): Omit<Queue, 'name' | 'policy'> {
  // Dead letters wait in `created` state (nothing works this queue); `retentionSeconds` is how long.
  return {
    retentionSeconds: settings.deadRetentionSeconds,
    deleteAfterSeconds: settings.deadRetentionSeconds,
    retryLimit: 0,
  };
}

/** Per-job options of a stored delivery: the same as the queue's, so a queue changed by hand cannot weaken them. */
export function sendOptions(settings: QueueSettings): SendOptions {
  const { deadLetter, retryLimit, retryDelay, retryBackoff, expireInSeconds, deleteAfterSeconds, retentionSeconds } =
    queueOptions(settings);
  return {
    deadLetter,
    retryLimit,
    retryDelay,
    retryBackoff,
    expireInSeconds,
    deleteAfterSeconds,
    retentionSeconds,
  } as SendOptions;
}

const RECONCILED = [
  'deadLetter',
  'retryLimit',
  'retryDelay',
  'retryBackoff',
  'expireInSeconds',
  'deleteAfterSeconds',
  'retentionSeconds',
] as const;

/**
 * Creates the dead-letter queue and the queue (idempotent: two processes may race). With
 * `reconcile`, queues that exist already are brought to these options; the policy cannot change
 * after creation, so a queue with another policy is an error that says so. Answers the queue's policy.
 */
export async function ensureQueues(boss: PgBoss, settings: QueueSettings, reconcile: boolean): Promise<QueuePolicy> {
  let policyOfQueue: QueuePolicy = 'standard';
  for (const [name, options, wanted] of [
    [settings.deadLetterQueue, deadLetterOptions(settings), 'standard'],
    [settings.queue, queueOptions(settings), settings.policy],
  ] as const) {
    await boss.createQueue(name, { ...options, policy: wanted ?? 'standard' });
    const existing = await boss.getQueue(name);
    if (existing === null) throw new Error(`pg-boss did not create the queue ${name}`);
    const policy = existing.policy ?? 'standard';
    if (wanted !== undefined && policy !== wanted) throw policyMismatch(name, policy, wanted);
    policyOfQueue = policy;
    if (!reconcile) continue;
    const differs = RECONCILED.some(
      (key) =>
        key in options &&
        (options as Record<string, unknown>)[key] !== (existing as unknown as Record<string, unknown>)[key],
    );
    if (differs) await boss.updateQueue(name, options);
  }
  return policyOfQueue;
}

function policyMismatch(name: string, policy: string, wanted: string): Error {
  const why =
    wanted === 'key_strict_fifo'
      ? ' (`orderBy` needs a key_strict_fifo queue, which runs one job per key at a time)'
      : policy === 'key_strict_fifo'
        ? ' (it was created for an inbox with `orderBy`: pass the same `orderBy` to every inbox on this queue)'
        : '';
  return new Error(
    `armalo-webhooks: the pg-boss queue ${name} has the policy ${policy}, not ${wanted}${why}; pg-boss cannot change a queue's policy: use another queue name (\`queue\` option), or delete the queue once it is drained`,
  );
}
