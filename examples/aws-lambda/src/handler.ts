// The Lambda function: deploy this file (bundled or with node_modules) with the handler
// `handler.handler`, on a Node.js 22 or 24 runtime, and ARMALO_WEBHOOK_SECRET in its environment.
import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { createWebhookReceiver } from '@armalo-webhooks/core';

const secret = process.env.ARMALO_WEBHOOK_SECRET;
if (!secret) throw new Error('Set ARMALO_WEBHOOK_SECRET to the webhook secret Armalo returned.');

// Created once per execution environment, so the in-memory dedup store lives across warm
// invocations; use @armalo-webhooks/redis or /postgres to deduplicate across environments.
const webhooks = createWebhookReceiver({ secret });

webhooks.on('score.changed', async (event, ctx) => {
  const { agentId, previousScore, compositeScore } = event.data;
  console.log(`score changed: ${agentId} ${previousScore} -> ${compositeScore} (${ctx.lambda?.context?.awsRequestId})`);
});
webhooks.onUnknown(async (event) => {
  console.log(`event this version does not know yet, acknowledged: ${event.event}`);
});

export const handler = createLambdaHandler(webhooks);
