import { createHash } from 'node:crypto';
import type { TableName } from './table-name.js';

/** The SQL the store runs, built once per table. */
export interface Statements {
  claim: string;
  complete: string;
  release: string;
  prune: string;
  /** Prefix for prepared statement names: unique per table, so two stores on one pool never clash. */
  namePrefix: string;
}

/** Durations arrive as milliseconds; a NULL retention means "keep forever". */
const AFTER_MS = (param: string) => `now() + ${param}::float8 * interval '1 millisecond'`;

/**
 * Every statement is a single round trip and an autocommit transaction, and every time is the
 * server's `now()`, so processes with skewed clocks still agree on when a lease ends.
 */
export function buildStatements(table: TableName, synchronousCommit: boolean): Statements {
  const t = table.sql;
  // Turns off the WAL flush wait for this statement's own transaction only (is_local = true).
  // Written as a condition so that it is evaluated before the row is written.
  const noFlushWait = synchronousCommit ? '' : ` WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL`;
  // A held key answers from the row the INSERT conflicted with. The SELECT below reads the
  // statement's snapshot, which misses a row committed by a concurrent claim after it was taken;
  // the store then runs the claim again (see create-postgres-store.ts).
  const claim = `WITH claimed AS (
  INSERT INTO ${t} AS k (key, state, owner_token, lease_expires_at, retain_until)
  SELECT $1::text, 'leased', $2::text, ${AFTER_MS('$3')}, NULL${noFlushWait}
  ON CONFLICT (key) DO UPDATE
    SET state = 'leased', owner_token = excluded.owner_token,
        lease_expires_at = excluded.lease_expires_at, retain_until = NULL
    WHERE CASE WHEN k.state = 'done' THEN k.retain_until <= now() ELSE k.lease_expires_at <= now() END
  RETURNING 1
)
SELECT 'claimed' AS status, NULL::float8 AS retry_after_ms FROM claimed
UNION ALL
SELECT CASE WHEN state = 'done' AND retain_until > now() THEN 'duplicate' ELSE 'in-flight' END,
       ceil(extract(epoch FROM lease_expires_at - now()) * 1000)::float8
FROM ${t} WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`;

  // Done when the token holds the lease (live or run out) or nobody holds a live one; a done key
  // stays as it is. See the README's "Semantics".
  const complete = `INSERT INTO ${t} AS k (key, state, owner_token, lease_expires_at, retain_until)
SELECT $1::text, 'done', $2::text, now(), coalesce(${AFTER_MS('$3')}, 'infinity')${noFlushWait}
ON CONFLICT (key) DO UPDATE
  SET state = 'done', owner_token = excluded.owner_token, retain_until = excluded.retain_until
  WHERE k.state = 'leased' AND (k.owner_token = excluded.owner_token OR k.lease_expires_at <= now())`;

  const release = synchronousCommit
    ? `DELETE FROM ${t} WHERE key = $1 AND state = 'leased' AND owner_token = $2`
    : `DELETE FROM ${t} WHERE key = $1 AND state = 'leased' AND owner_token = $2
  AND set_config('synchronous_commit', 'off', true) IS NOT NULL`;

  // Batches with SKIP LOCKED, so pruning a large backlog never holds many row locks at once or
  // waits behind a claim in progress.
  const prune = `DELETE FROM ${t} AS k USING (
  SELECT key FROM ${t}
  WHERE coalesce(retain_until, lease_expires_at) <= now()
  LIMIT $1 FOR UPDATE SKIP LOCKED
) AS doomed
WHERE k.key = doomed.key`;

  const variant = `${t}:${synchronousCommit ? 'sync' : 'async'}`;
  const namePrefix = `armalo_webhooks_${createHash('sha256').update(variant).digest('hex').slice(0, 12)}`;
  return { claim, complete, release, prune, namePrefix };
}
