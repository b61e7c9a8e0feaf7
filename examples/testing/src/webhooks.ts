import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';

/**
 * The code under test: a receiver whose `score.changed` handler records each agent's latest
 * score. `scores` stands in for your database.
 */
export function createWebhooks(secret: string, scores: Map<string, number>): WebhookReceiver {
  const webhooks = createWebhookReceiver({ secret });
  webhooks.on('score.changed', (event) => {
    scores.set(event.data.agentId, event.data.compositeScore);
  });
  return webhooks;
}
