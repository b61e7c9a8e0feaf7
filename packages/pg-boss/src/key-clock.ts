/**
 * Stored order for one key on PGlite. pg-boss orders a key's jobs by `created_on` (the
 * transaction's `now()`), then by job id, and PGlite's clock counts whole milliseconds: two
 * deliveries of one key stored within the same millisecond would tie, and the tie goes to the
 * job id, a hash. So on PGlite the sends of one key run one after another, in the order they were
 * asked for, each in a later millisecond than the previous one ended. Other keys are not held up.
 * (A PostgreSQL server's clock counts microseconds; there a send that starts after the previous
 * one was acknowledged is always later.)
 */
export function createKeyClock(): { run<T>(key: string, send: () => Promise<T>): Promise<T> } {
  /** Per key: when its last send ended, in milliseconds, once it has. */
  const last = new Map<string, Promise<number>>();
  return {
    async run(key, send) {
      const previous = last.get(key);
      let ended!: (at: number) => void;
      const mine = new Promise<number>((resolve) => {
        ended = resolve;
      });
      last.set(key, mine);
      try {
        const after = previous === undefined ? Number.NEGATIVE_INFINITY : await previous;
        while (Date.now() <= after) await new Promise((resolve) => setTimeout(resolve, 1));
        return await send();
      } finally {
        ended(Date.now());
        if (last.get(key) === mine) last.delete(key);
      }
    },
  };
}
