import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooks } from '@armalo-webhooks/hono';
import { Hono } from 'hono';

export const WEBHOOK_PATH = '/webhooks/armalo';

/**
 * What runs on the webhook route before the adapter: nothing, a middleware that parsed the body as
 * JSON or text (the mistake that loses the signed bytes), or one that read `arrayBuffer()`, whose
 * cache Hono keeps byte-exact.
 */
export type BodyFirst = 'nothing' | 'json' | 'text' | 'arrayBuffer';

/** A Hono app with the webhook mounted the way the README shows, in every runtime under test. */
export function buildApp(receiver: AnyWebhookReceiver, first: BodyFirst = 'nothing'): Hono {
  const app = new Hono();
  if (first !== 'nothing') {
    app.use(WEBHOOK_PATH, async (c, next) => {
      await c.req[first]().catch(() => undefined);
      await next();
    });
  }
  app.all(WEBHOOK_PATH, armaloWebhooks(receiver));
  return app;
}
