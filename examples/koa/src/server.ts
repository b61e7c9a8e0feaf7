import type { AddressInfo } from 'node:net';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/koa';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';

const secret = process.env.ARMALO_WEBHOOK_SECRET;
if (!secret) {
  console.error('Set ARMALO_WEBHOOK_SECRET to the webhook secret Armalo returned when you created the webhook.');
  process.exit(1);
}

const webhooks = createWebhookReceiver({ secret });
webhooks.on('score.changed', async (event) => {
  const { agentId, previousScore, compositeScore } = event.data;
  console.log(`score changed: ${agentId} ${previousScore} -> ${compositeScore}`);
});
webhooks.on('escrow.*', async (event, ctx) => {
  console.log(`escrow update: ${event.event} from ${ctx.koa?.ip}`);
});
webhooks.onUnknown(async (event) => {
  console.log(`event this version does not know yet, acknowledged: ${event.event}`);
});

const app = new Koa();
const hooks = armaloWebhooks(webhooks);
// 1. The webhook first, on its path only: it needs the unread request stream.
app.use((ctx, next) => (ctx.path === '/webhooks/armalo' ? hooks(ctx, next) : next()));
// 2. Then the body parser and the rest of the app.
app.use(bodyParser());
app.use((ctx) => {
  if (ctx.path === '/health') ctx.body = { ok: true };
  else if (ctx.path === '/api/echo' && ctx.method === 'POST') ctx.body = { received: ctx.request.body };
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`armalo-webhooks koa example listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
