import type { AddressInfo } from 'node:net';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import Fastify from 'fastify';

const secret = process.env.ARMALO_WEBHOOK_SECRET;
if (!secret) {
  console.error('Set ARMALO_WEBHOOK_SECRET to the webhook secret Armalo returned when you created the webhook.');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);

const app = Fastify({ logger: true });

// One receiver per Armalo account (per webhook secret). Its own lines (failures, and refusals with
// logRefusals) go to Fastify's pino logger; handlers log per request through ctx.fastify.request.log.
const webhooks = createWebhookReceiver({ secret, logger: app.log, logRefusals: true });

webhooks.on('score.changed', async (event, ctx) => {
  const { agentId, compositeScore, previousScore, certificationTier } = event.data;
  ctx.fastify?.request.log.info({ agentId, compositeScore, previousScore, certificationTier }, 'score changed');
});

webhooks.on('eval.completed', async (event, ctx) => {
  const { evalId, passed, checksPassed, checksTotal } = event.data;
  ctx.fastify?.request.log.info({ evalId, passed, checks: `${checksPassed}/${checksTotal}` }, 'eval completed');
});

// A prefix wildcard: every escrow.* event, with `event.event` narrowed to the escrow names.
webhooks.on('escrow.*', async (event, ctx) => {
  ctx.fastify?.request.log.info({ event: event.event, data: event.data }, 'escrow update');
});

webhooks.on('pact.violated', async (event, ctx) => {
  // Throwing here answers 500 and releases the delivery, so Armalo's retry is processed.
  ctx.fastify?.request.log.warn({ data: event.data }, 'pact violated');
});

webhooks.onUnknown(async (event, ctx) => {
  ctx.fastify?.request.log.info({ event: event.event }, 'event this version does not know yet; acknowledged');
});

// A normal JSON route beside the webhook: Fastify's JSON parser still applies here.
app.post('/api/echo', async (request) => ({ received: request.body }));
app.get('/health', async () => ({ ok: true }));

await app.register(armaloWebhooksPlugin, { receiver: webhooks, path: '/webhooks/armalo' });

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
