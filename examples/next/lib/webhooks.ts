import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';

/**
 * Builds the receiver for one route. Each route module calls this lazily (through the factory it
 * hands to the adapter), so `next build` never needs the secret: the receiver is created on the
 * first request, with the secret from the runtime environment. On the Edge runtime too,
 * `process.env` is read at request time, not inlined at build time.
 *
 * The receiver lives as long as its module: one per route per server process (one per isolate on
 * the Edge runtime). Its in-memory idempotency store therefore deduplicates only within that
 * process; with several instances, pass a shared store (`@armalo-webhooks/redis`,
 * `@armalo-webhooks/postgres`) in `idempotency.store`.
 */
export function createWebhooks(route: string): WebhookReceiver {
  const secret = process.env.ARMALO_WEBHOOK_SECRET;
  if (!secret) throw new Error('ARMALO_WEBHOOK_SECRET is not set');
  const webhooks = createWebhookReceiver({ secret });

  webhooks.on('score.changed', async (event) => {
    // Typed from the event's schema: compositeScore is a number, certificationTier a string.
    const { agentId, compositeScore, previousScore } = event.data;
    console.info(`[${route}] score of ${agentId}: ${previousScore ?? '?'} -> ${compositeScore}`);
  });

  webhooks.on('eval.completed', async (event) => {
    const { evalId, passed, checksPassed, checksTotal } = event.data;
    console.info(`[${route}] eval ${evalId} ${passed ? 'passed' : 'failed'} (${checksPassed}/${checksTotal})`);
  });

  // One line per delivered event, in a fixed format: the end-to-end tests read these lines from
  // the server's output to check which handlers ran.
  webhooks.onAny(async (event) => {
    console.info(`armalo-webhook route=${route} handled=${event.event}`);
  });
  webhooks.onUnknown(async (event) => {
    console.info(`armalo-webhook route=${route} handled=unknown:${event.event}`);
  });

  return webhooks;
}
