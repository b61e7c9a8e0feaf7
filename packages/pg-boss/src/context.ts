/**
 * `ctx.pg` in a pg-boss inbox worker: runs statements in the transaction that completes the
 * delivery's job. `rowCount` and `rows` are `pg`'s, on a PostgreSQL server and on PGlite alike.
 *
 * @example
 * ```ts
 * webhooks.on('score.changed', async (event, ctx) => {
 *   await ctx.pg?.query('INSERT INTO scores (agent_id, score) VALUES ($1, $2)', [event.data.agentId, event.data.compositeScore]);
 * });
 * ```
 */
export interface PgBossTransactionClient {
  // biome-ignore lint/suspicious/noExplicitAny: rows are the caller's to type, as in `pg`.
  query<R extends Record<string, unknown> = any>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /**
     * In a pg-boss inbox worker: a client of the transaction that completes this delivery's job.
     * Write your effects through it and they commit exactly once, together with the completion; a
     * failure rolls them back with it. The transaction opens at the first statement, so a handler
     * that never uses it holds no connection.
     */
    pg?: PgBossTransactionClient;
  }
}
