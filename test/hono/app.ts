import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooks } from '@armalo-webhooks/hono';
import { Hono } from 'hono';
import type { BodyConsumption } from '../conformance/cases.js';

export const WEBHOOK_PATH = '/webhooks/armalo';

/**
 * What runs on the webhook route before the adapter: nothing, a middleware that parsed the body as
 * JSON or text (the mistake that loses the signed bytes), one that read `arrayBuffer()`, whose
 * cache Hono keeps byte-exact, or one that read the underlying Request (`c.req.raw.arrayBuffer()`),
 * which bypasses that cache and leaves the adapter a spent stream.
 */
export type BodyFirst = 'nothing' | 'json' | 'text' | 'arrayBuffer' | 'raw';

/** How each way of losing the body happens on the route, for the conformance targets. */
export const CONSUMES = {
  parsed: 'a middleware on the route called c.req.json() first',
  drained: 'a middleware on the route read c.req.raw.arrayBuffer() first, past the cache of c.req',
} as const satisfies Record<BodyConsumption, string>;

/** What `details.fix` of RAW_BODY_UNAVAILABLE says on Hono. */
export const RAW_BODY_FIX = /Read nothing from the body before armaloWebhooks\(\): no c\.req\.json\(\)/;

/** The middleware that loses the body the way `consumed` says, or none. */
export function bodyFirst(consumed: BodyConsumption | undefined): BodyFirst {
  return consumed === 'parsed' ? 'json' : consumed === 'drained' ? 'raw' : 'nothing';
}

/** A Hono app with the webhook mounted the way the README shows, in every runtime under test. */
export function buildApp(receiver: AnyWebhookReceiver, first: BodyFirst = 'nothing'): Hono {
  const app = new Hono();
  if (first !== 'nothing') {
    app.use(WEBHOOK_PATH, async (c, next) => {
      await (first === 'raw' ? c.req.raw.arrayBuffer() : c.req[first]()).catch(() => undefined);
      await next();
    });
  }
  app.all(WEBHOOK_PATH, armaloWebhooks(receiver));
  return app;
}
