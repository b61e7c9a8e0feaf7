/**
 * Per-key ordering over deliveries read in stored order: a key is held by its first unfinished
 * delivery (the head), and every later delivery of that key waits behind it, whatever its state.
 * Unkeyed deliveries always pass.
 */
export function createKeyGate(): { pass(key: string | undefined, unfinished: boolean): boolean } {
  const held = new Set<string>();
  return {
    /** Whether this delivery is its key's head (or unkeyed); an unfinished one holds its key from here on. */
    pass(key, unfinished) {
      if (key === undefined) return true;
      if (held.has(key)) return false;
      if (unfinished) held.add(key);
      return true;
    },
  };
}
