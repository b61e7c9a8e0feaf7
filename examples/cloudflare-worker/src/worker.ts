import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { createFetchHandler } from '@armalo-webhooks/core/fetch';

/** The Worker's bindings: the secret comes from `wrangler secret put ARMALO_WEBHOOK_SECRET`. */
export interface Env {
  ARMALO_WEBHOOK_SECRET: string;
}

// Secrets exist only on `env`, inside fetch(), so the receiver is built on the first request and
// kept for the isolate's life: handlers registered once, the dedup store kept across requests.
let handle: ((request: Request) => Promise<Response>) | undefined;

function createHandler(env: Env): (request: Request) => Promise<Response> {
  const webhooks: WebhookReceiver = createWebhookReceiver({ secret: env.ARMALO_WEBHOOK_SECRET });
  webhooks.on('score.changed', async (event) => {
    const { agentId, previousScore, compositeScore } = event.data;
    console.log(`score changed: ${agentId} ${previousScore} -> ${compositeScore}`);
  });
  webhooks.on('escrow.*', async (event) => {
    console.log(`escrow update: ${event.event}`);
  });
  webhooks.onUnknown(async (event) => {
    console.log(`event this version does not know yet, acknowledged: ${event.event}`);
  });
  return createFetchHandler(webhooks);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/webhooks/armalo') {
      handle ??= createHandler(env);
      return handle(request);
    }
    return pathname === '/health' ? Response.json({ ok: true }) : new Response('Not found', { status: 404 });
  },
};
