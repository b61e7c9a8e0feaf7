// The receiver and its handlers, shared by the web process and the worker process: the same
// module registers the handlers in both, so their types and behaviour cannot drift apart.

import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createWebhookReceiver, type Inbox } from '@armalo-webhooks/core';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';

function chooseInbox(): Inbox {
  if (process.env.DATABASE_URL) return createPgBossInbox({ connectionString: process.env.DATABASE_URL });
  if (process.env.REDIS_URL) return createBullMQInbox({ connection: process.env.REDIS_URL });
  // Embedded PostgreSQL in a directory: durable, no server, but one process only (`pnpm dev`, where
  // the web side and the worker share a process). A second process on the directory is refused.
  return createPgBossInbox({ pglite: process.env.ARMALO_INBOX_DIR ?? '.armalo-inbox' });
}

export const inbox = chooseInbox();

export const webhooks = createWebhookReceiver({
  secret: process.env.ARMALO_WEBHOOK_SECRET ?? 'whsec_example_inbox',
  inbox,
});

webhooks.on('score.changed', async (event, ctx) => {
  // ctx.deliveryId is stable across retries and replays: the key to make an effect idempotent.
  // On pg-boss, ctx.pg is the job's own transaction: writes through it commit exactly once.
  console.log(
    `[worker] score.changed ${event.data.agentId}: ${event.data.previousScore} -> ${event.data.compositeScore}`,
    `(attempt ${ctx.attempt}, delivery ${ctx.deliveryId?.slice(-12)})`,
  );
});

webhooks.on('escrow.*', async (event, ctx) => {
  // A failure is retried with backoff; after the last attempt the delivery is dead-lettered.
  if (ctx.attempt === 1 && Math.random() < 0.5) throw new Error('flaky downstream, will be retried');
  console.log(`[worker] ${event.event} (attempt ${ctx.attempt})`);
});
