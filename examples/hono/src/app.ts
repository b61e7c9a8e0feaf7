import { createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/hono';
import { Hono } from 'hono';

/** The webhook receiver and the Hono app, the same on Node.js, Bun and Deno. */
export function createApp(secret: string): Hono {
  const webhooks = createWebhookReceiver({ secret });

  webhooks.on('score.changed', async (event) => {
    const { agentId, previousScore, compositeScore } = event.data;
    console.log(`score changed: ${agentId} ${previousScore} -> ${compositeScore}`);
  });
  webhooks.on('eval.completed', async (event) => {
    console.log(`eval completed: ${event.data.evalId} passed=${event.data.passed}`);
  });
  webhooks.on('escrow.*', async (event, ctx) => {
    console.log(`escrow update: ${event.event} (request ${ctx.hono?.req.header('x-request-id') ?? '-'})`);
  });
  webhooks.onUnknown(async (event) => {
    console.log(`event this version does not know yet, acknowledged: ${event.event}`);
  });

  const app = new Hono();
  // app.all: other methods get the JSON 405 with Allow: POST (app.post would leave them to Hono's 404).
  app.all('/webhooks/armalo', armaloWebhooks(webhooks));
  app.get('/health', (c) => c.json({ ok: true }));
  // An ordinary JSON route beside it: c.req.json() is fine anywhere but on the webhook route.
  app.post('/api/echo', async (c) => c.json({ received: await c.req.json() }));
  return app;
}

export function requireSecret(): string {
  const secret = process.env.ARMALO_WEBHOOK_SECRET;
  if (!secret) {
    console.error('Set ARMALO_WEBHOOK_SECRET to the webhook secret Armalo returned when you created the webhook.');
    process.exit(1);
  }
  return secret;
}
