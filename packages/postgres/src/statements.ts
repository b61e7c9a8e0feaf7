import { createHash } from 'node:crypto';
import { type TableName, watermarkTable } from './table-name.js';

/** The SQL the store runs, built once per table. */
export interface Statements {
  claim: string;
  complete: string;
  release: string;
  prune: string;
  /** The freshness guard: the claim that also holds the freshness key and reads its watermark. */
  freshClaim: string;
  /** The completion that also raises the watermark and frees the freshness key. */
  freshComplete: string;
  /** The release of both leases. */
  freshRelease: string;
  /** Frees a freshness key whose delivery could not be claimed after all (a lost race). */
  freeHolder: string;
  /** Deletes watermarks past their retention. */
  pruneWatermarks: string;
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
  const w = watermarkTable(table).sql;
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

  // The freshness guard ($4 the freshness key, $5 the delivery's timestamp in ms). One row per
  // freshness key holds its watermark and, while a delivery of the key runs, that delivery's token
  // (the holder). The claim first takes the holder row's lock with an upsert whose WHERE is the
  // whole check (not held, not stale); concurrent claims of a key queue on that lock and re-check
  // the latest row, so exactly one wins. Only then is the delivery row claimed. A delivery live in
  // the snapshot (done or leased) skips the holder: duplicates and retries answer from its row.
  const live = `CASE WHEN d.state = 'done' THEN d.retain_until > now() ELSE d.lease_expires_at > now() END`;
  const andNoFlushWait = synchronousCommit ? '' : ` AND set_config('synchronous_commit', 'off', true) IS NOT NULL`;
  const freshClaim = `WITH held AS (
  INSERT INTO ${w} AS w (key, watermark_ms, owner_token, lease_expires_at, retain_until)
  SELECT $4::text, NULL, $2::text, ${AFTER_MS('$3')}, ${AFTER_MS('$3')}
  WHERE NOT EXISTS (SELECT 1 FROM ${t} d WHERE d.key = $1 AND ${live})${andNoFlushWait}
  ON CONFLICT (key) DO UPDATE
    SET owner_token = excluded.owner_token, lease_expires_at = excluded.lease_expires_at,
        watermark_ms = CASE WHEN w.retain_until <= now() THEN NULL ELSE w.watermark_ms END,
        retain_until = greatest(w.retain_until, excluded.retain_until)
    WHERE (w.owner_token IS NULL OR w.lease_expires_at <= now())
      AND (w.watermark_ms IS NULL OR w.retain_until <= now() OR w.watermark_ms <= $5::bigint)
  RETURNING w.watermark_ms
), claimed AS (
  INSERT INTO ${t} AS k (key, state, owner_token, lease_expires_at, retain_until)
  SELECT $1::text, 'leased', $2::text, ${AFTER_MS('$3')}, NULL FROM held
  ON CONFLICT (key) DO UPDATE
    SET state = 'leased', owner_token = excluded.owner_token,
        lease_expires_at = excluded.lease_expires_at, retain_until = NULL
    WHERE CASE WHEN k.state = 'done' THEN k.retain_until <= now() ELSE k.lease_expires_at <= now() END
  RETURNING 1
)
SELECT 'claimed' AS status, NULL::float8 AS retry_after_ms, (SELECT watermark_ms FROM held)::float8 AS watermark_ms
FROM claimed
UNION ALL
SELECT 'lost', NULL, NULL FROM held WHERE NOT EXISTS (SELECT 1 FROM claimed)
UNION ALL
SELECT CASE WHEN d.state = 'done' THEN 'duplicate' ELSE 'in-flight' END,
       ceil(extract(epoch FROM d.lease_expires_at - now()) * 1000)::float8, NULL
FROM ${t} d WHERE d.key = $1 AND ${live} AND NOT EXISTS (SELECT 1 FROM held)
UNION ALL
SELECT CASE WHEN w.watermark_ms > $5::bigint AND w.retain_until > now() THEN 'stale' ELSE 'in-flight' END,
       ceil(extract(epoch FROM w.lease_expires_at - now()) * 1000)::float8, w.watermark_ms::float8
FROM ${w} w WHERE w.key = $4 AND NOT EXISTS (SELECT 1 FROM held)
  AND NOT EXISTS (SELECT 1 FROM ${t} d WHERE d.key = $1 AND ${live})`;

  // Completes as `complete` does, then raises the watermark when the timestamp is newer (an
  // expired watermark counts as none) and frees the holder. `advanced_by` records the token that
  // last raised it, so the statement can answer whether this one did.
  const raises = `(w.watermark_ms IS NULL OR w.retain_until <= now() OR w.watermark_ms < excluded.watermark_ms)`;
  const freshComplete = `WITH done AS (
  INSERT INTO ${t} AS k (key, state, owner_token, lease_expires_at, retain_until)
  SELECT $1::text, 'done', $2::text, now(), coalesce(${AFTER_MS('$3')}, 'infinity')${noFlushWait}
  ON CONFLICT (key) DO UPDATE
    SET state = 'done', owner_token = excluded.owner_token, retain_until = excluded.retain_until
    WHERE k.state = 'leased' AND (k.owner_token = excluded.owner_token OR k.lease_expires_at <= now())
)
INSERT INTO ${w} AS w (key, watermark_ms, advanced_by, owner_token, lease_expires_at, retain_until)
VALUES ($4::text, $5::bigint, $2::text, NULL, now(), coalesce(${AFTER_MS('$3')}, 'infinity'))
ON CONFLICT (key) DO UPDATE
  SET watermark_ms = CASE WHEN ${raises} THEN excluded.watermark_ms ELSE w.watermark_ms END,
      advanced_by = CASE WHEN ${raises} THEN excluded.advanced_by ELSE w.advanced_by END,
      retain_until = CASE WHEN ${raises} THEN excluded.retain_until ELSE w.retain_until END,
      owner_token = CASE WHEN w.owner_token = excluded.advanced_by THEN NULL ELSE w.owner_token END
RETURNING w.advanced_by = $2 AS advanced`;

  const freshRelease = `WITH released AS (
  DELETE FROM ${t} WHERE key = $1 AND state = 'leased' AND owner_token = $2${andNoFlushWait}
)
UPDATE ${w} SET owner_token = NULL WHERE key = $3 AND owner_token = $2`;

  const freeHolder = `UPDATE ${w} SET owner_token = NULL WHERE key = $1 AND owner_token = $2`;

  const pruneWatermarks = `DELETE FROM ${w} AS w USING (
  SELECT key FROM ${w}
  WHERE retain_until <= now() AND (owner_token IS NULL OR lease_expires_at <= now())
  LIMIT $1 FOR UPDATE SKIP LOCKED
) AS doomed
WHERE w.key = doomed.key`;

  const variant = `${t}:${synchronousCommit ? 'sync' : 'async'}`;
  const namePrefix = `armalo_webhooks_${createHash('sha256').update(variant).digest('hex').slice(0, 12)}`;
  return {
    claim,
    complete,
    release,
    prune,
    freshClaim,
    freshComplete,
    freshRelease,
    freeHolder,
    pruneWatermarks,
    namePrefix,
  };
}
