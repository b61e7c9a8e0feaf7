import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/express';
import express, { type Express } from 'express';
import type { Storage } from './storage.js';

/** A delivery the handlers recorded, as `GET /api/deliveries` shows it. */
export interface Delivery {
  deliveryId: string;
  event: string;
  summary: string;
  handledAt: string;
}

/**
 * The example receiver: typed handlers for a few events, deliveries stored in a durable inbox
 * and handled by a worker (see server.ts), the webhook route mounted before `express.json()`,
 * and ordinary JSON routes beside it.
 */
export function createApp(secret: string, storage: Storage): { app: Express; webhooks: WebhookReceiver } {
  // Answers 200 {"ok":true,"queued":true} once the delivery is committed; the worker runs the handlers.
  const webhooks = createWebhookReceiver({ secret, inbox: storage.inbox });

  // One row per handled delivery, written through ctx.pg: in the transaction that completes the
  // delivery, so a delivery handled again after a crash would show as a second row, and never does.
  webhooks.onAny(async (event, ctx) => {
    let summary: string;
    // `event.event` tells the events apart, and each case sees its own typed data.
    switch (event.event) {
      case 'score.changed': {
        const { agentId, previousScore, compositeScore, certificationTier } = event.data;
        summary = `${agentId}: ${previousScore} -> ${compositeScore} (${certificationTier})`;
        break;
      }
      case 'eval.completed': {
        const { evalId, passed, checksPassed, checksTotal } = event.data;
        summary = `${evalId} ${passed ? 'passed' : 'failed'} ${checksPassed}/${checksTotal}`;
        break;
      }
      default:
        summary = JSON.stringify(event.data).slice(0, 200);
    }
    await ctx.pg?.query('INSERT INTO example_deliveries (delivery_id, event, summary) VALUES ($1, $2, $3)', [
      ctx.deliveryId,
      event.event,
      summary,
    ]);
  });
  // Event names the catalog does not know yet: acknowledged and recorded, never refused.
  webhooks.onUnknown(async (event, ctx) => {
    await ctx.pg?.query('INSERT INTO example_deliveries (delivery_id, event, summary) VALUES ($1, $2, $3)', [
      ctx.deliveryId,
      event.event,
      'unknown event',
    ]);
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

  // The deliveries the handlers recorded, newest first (?limit=, default 50).
  app.get('/api/deliveries', async (req, res, next) => {
    try {
      const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 10_000);
      const { rows } = await storage.query(
        `SELECT delivery_id, event, summary, handled_at FROM example_deliveries ORDER BY id DESC LIMIT $1`,
        [limit],
      );
      const deliveries: Delivery[] = rows.map((row) => ({
        deliveryId: String(row.delivery_id),
        event: String(row.event),
        summary: String(row.summary),
        handledAt: new Date(row.handled_at as string).toISOString(),
      }));
      res.json({ deliveries });
    } catch (error) {
      next(error);
    }
  });

  app.post('/api/notes', (req, res) => {
    const text = typeof req.body?.text === 'string' ? req.body.text : undefined;
    if (text === undefined) {
      res.status(400).json({ error: 'Body must be JSON with a string "text" field', code: 'INVALID_NOTE' });
      return;
    }
    res.status(201).json({ note: { text, length: text.length } });
  });

  return { app, webhooks };
}
