import { createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/express';
import express, { type Express } from 'express';

/** What the handlers below record, so `GET /api/deliveries` can show them. */
export interface Delivery {
  event: string;
  timestamp: string;
  summary: string;
  requestId: string | undefined;
}

/**
 * The example receiver: typed handlers for a few events, the webhook route mounted before
 * `express.json()`, and ordinary JSON routes beside it.
 */
export function createApp(secret: string): Express {
  const deliveries: Delivery[] = [];
  const remember = (delivery: Delivery) => {
    deliveries.unshift(delivery);
    deliveries.length = Math.min(deliveries.length, 50);
  };

  const webhooks = createWebhookReceiver({ secret });

  webhooks.on('score.changed', (event, ctx) => {
    // event.data is typed from the documented payload: compositeScore is a number.
    const { agentId, previousScore, compositeScore, certificationTier } = event.data;
    const summary = `${agentId}: ${previousScore} -> ${compositeScore} (${certificationTier})`;
    remember({
      event: event.event,
      timestamp: event.timestamp,
      summary,
      requestId: ctx.express?.req.get('x-request-id'),
    });
  });

  webhooks.on('eval.completed', (event, ctx) => {
    const { evalId, passed, checksPassed, checksTotal } = event.data;
    const summary = `${evalId} ${passed ? 'passed' : 'failed'} ${checksPassed}/${checksTotal}`;
    remember({
      event: event.event,
      timestamp: event.timestamp,
      summary,
      requestId: ctx.express?.req.get('x-request-id'),
    });
  });

  // A prefix wildcard: escrow.funded, escrow.released, escrow.disputed, escrow.expired.
  webhooks.on('escrow.*', (event) => {
    remember({
      event: event.event,
      timestamp: event.timestamp,
      summary: JSON.stringify(event.data),
      requestId: undefined,
    });
  });

  webhooks.on('pact.violated', async (event) => {
    // A throw here answers 500 and leaves the delivery unacknowledged, so Armalo retries it.
    remember({ event: event.event, timestamp: event.timestamp, summary: 'pact violated', requestId: undefined });
  });

  webhooks.onUnknown((event) => {
    remember({ event: event.event, timestamp: event.timestamp, summary: 'unknown event', requestId: undefined });
  });

  const app = express();

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });

  // Mounted before express.json(): the webhook needs the raw bytes to check the signature.
  // app.use answers other methods with 405 and Allow: POST.
  app.use('/webhooks/armalo', armaloWebhooks(webhooks));

  // Everything below gets parsed JSON as usual.
  app.use(express.json());

  app.get('/api/deliveries', (_req, res) => {
    res.json({ deliveries });
  });

  app.post('/api/notes', (req, res) => {
    const text = typeof req.body?.text === 'string' ? req.body.text : undefined;
    if (text === undefined) {
      res.status(400).json({ error: 'Body must be JSON with a string "text" field', code: 'INVALID_NOTE' });
      return;
    }
    res.status(201).json({ note: { text, length: text.length } });
  });

  return app;
}
