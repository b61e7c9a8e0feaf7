import type { PoolClient } from 'pg';

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /**
     * In a pg-boss inbox worker: the client of the transaction that marks this delivery processed
     * and completes its job. Write your effects through it and they commit exactly once, together
     * with the completion; a failure rolls them back with it.
     */
    pg?: PoolClient;
  }
}
