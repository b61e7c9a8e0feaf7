import type { WebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/express';
import express, { type Express } from 'express';

/** The Express app that mounts the receiver, as in production. */
export function createApp(webhooks: WebhookReceiver): Express {
  const app = express();
  app.post('/webhooks/armalo', armaloWebhooks(webhooks));
  return app;
}
