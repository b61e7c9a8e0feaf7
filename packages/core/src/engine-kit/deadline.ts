/**
 * Waits for `work`, but no longer than `timeoutMs`: the shape of every consumer's `stop()`, which
 * finishes what it holds up to a deadline and leaves the rest to the engine's recovery. Resolves
 * `true` if the work settled in time (a rejection counts as settled), `false` at the deadline.
 *
 * @example
 * ```ts
 * import { untilDeadline } from '@armalo-webhooks/core/engine-kit';
 * const finished = await untilDeadline(Promise.allSettled(inFlight), timeoutMs);
 * if (!finished) await worker.close(true); // the engine hands the rest out again
 * ```
 */
export async function untilDeadline(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
