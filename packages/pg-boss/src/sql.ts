// The SQL this package runs over pg-boss 10's own tables. pg-boss 10 has no API to list jobs,
// count them by state, dead-letter at once or redrive with a fresh budget (v12 adds most of it),
// so these statements read and update `{schema}.job` directly; everything else goes through
// pg-boss's API. `job` is partitioned by queue name: every statement filters on it.

/** A job's state in the inbox's terms, computed in SQL so that filters and counts agree. */
const INBOX_STATE = `CASE
    WHEN state IN ('created', 'retry') AND start_after > now() THEN 'delayed'
    WHEN state IN ('created', 'retry') THEN 'waiting'
    WHEN state = 'failed' THEN 'dead'
    ELSE state::text
  END`;

/** Tries made: `retry_count` counts fetches after the first; a job never started has made none. */
const ATTEMPTS = 'CASE WHEN started_on IS NULL THEN 0 ELSE retry_count + 1 END';

const COLUMNS = `id::text, data, ${INBOX_STATE} AS inbox_state, ${ATTEMPTS} AS attempts, created_on, completed_on, output`;

/** Checks a schema name before it is put into SQL text (it cannot be a bound parameter). */
export function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(`armalo-webhooks: schema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`);
  }
  return schema;
}

/** The statements, for one pg-boss schema. */
export function statements(schema: string) {
  const job = `${schema}.job`;
  const processed = `${schema}.armalo_webhooks_processed`;
  return {
    createProcessed: `CREATE TABLE IF NOT EXISTS ${processed} (
      job_id uuid PRIMARY KEY,
      delivery_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`,
    /** Inserted in the handler's transaction: a second run of the same job finds it and does nothing. */
    markProcessed: `INSERT INTO ${processed} (job_id, delivery_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    pruneProcessed: `DELETE FROM ${processed} WHERE processed_at < now() - $1 * interval '1 second'`,
    /** Before `fail()`: no retry left, so pg-boss moves the job to `failed` (our dead letters). */
    noRetryLeft: `UPDATE ${job} SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active'`,
    /** After `fail()`: core's backoff, in milliseconds, instead of pg-boss's whole seconds. */
    delayRetry: `UPDATE ${job} SET start_after = now() + $3 * interval '1 millisecond'
      WHERE name = $1 AND id = $2 AND state = 'retry'`,
    backlog: `SELECT count(*)::int AS n FROM ${job} WHERE name = $1 AND state IN ('created', 'retry')`,
    stats: `SELECT inbox_state, count(*)::int AS n FROM (SELECT ${INBOX_STATE} AS inbox_state FROM ${job} WHERE name = $1) s
      GROUP BY inbox_state`,
    list: `SELECT * FROM (SELECT ${COLUMNS} FROM ${job} WHERE name = $1) s
      WHERE ($2::text IS NULL OR inbox_state = $2) AND ($3::text IS NULL OR data->>'event' = $3)
        AND ($4::timestamptz IS NULL OR created_on >= $4)
      ORDER BY created_on, id LIMIT $5`,
    get: `SELECT ${COLUMNS} FROM ${job} WHERE name = $1 AND id = $2
      UNION ALL SELECT ${COLUMNS} FROM ${schema}.archive WHERE name = $1 AND id = $2 LIMIT 1`,
    /** Dead letters back to waiting, as if never tried: the next fetch is attempt 1 again. */
    redrive: `UPDATE ${job} SET state = 'created', retry_count = 0, retry_limit = $2, started_on = NULL,
        completed_on = NULL, start_after = now()
      WHERE name = $1 AND state = 'failed' AND ($3::text IS NULL OR data->>'event' = $3)
        AND ($4::timestamptz IS NULL OR created_on >= $4) AND ($5::uuid[] IS NULL OR id = ANY($5::uuid[]))
      RETURNING id`,
  };
}

export type Statements = ReturnType<typeof statements>;
