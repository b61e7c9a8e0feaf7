import { describeFailure } from '../inbox/failure.js';
import type { InboxOutcome } from '../inbox/types.js';

/** The wait before retrying a job whose processing threw instead of answering an outcome. */
export const UNEXPECTED_RETRY_MS = 1000;

/**
 * What an engine does with a job when core's processor threw, which it is built never to do (a
 * bug, or the process running out of memory mid-job): retry it after a second, keeping the error.
 * The try counts, so a job that always throws still reaches `retry.attempts` and is dead-lettered.
 *
 * @example
 * ```ts
 * import { unexpectedFailure } from '@armalo-webhooks/core/engine-kit';
 * const outcome = await options.process(job).catch((error) => {
 *   options.onError(error);
 *   return unexpectedFailure(error, job.attempt);
 * });
 * ```
 */
export function unexpectedFailure(error: unknown, attempt: number): InboxOutcome {
  return {
    status: 'retry',
    delayMs: UNEXPECTED_RETRY_MS,
    error: { ...describeFailure(error, attempt), code: 'INTERNAL_ERROR' },
  };
}
