import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooks } from '@armalo-webhooks/koa';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import legacyBodyParser from 'koa-bodyparser';

export const WEBHOOK_PATH = '/webhooks/armalo';

/**
 * What runs before the webhook: nothing (the README's order), either body parser (the mistake
 * that drains the stream), or @koa/bodyparser told to skip the path with ctx.disableBodyParser.
 */
export type Before = 'nothing' | '@koa/bodyparser' | 'koa-bodyparser' | 'disabled @koa/bodyparser';

export function buildApp(receiver: AnyWebhookReceiver, before: Before = 'nothing'): Koa {
  const app = new Koa();
  if (before === 'disabled @koa/bodyparser') {
    app.use((ctx, next) => {
      if (ctx.path === WEBHOOK_PATH) ctx.disableBodyParser = true;
      return next();
    });
  }
  if (before === '@koa/bodyparser' || before === 'disabled @koa/bodyparser') app.use(bodyParser());
  if (before === 'koa-bodyparser') app.use(legacyBodyParser());
  const hooks = armaloWebhooks(receiver);
  app.use((ctx, next) => (ctx.path === WEBHOOK_PATH ? hooks(ctx, next) : next()));
  app.use((ctx) => {
    ctx.body = { route: 'app', parsed: ctx.request.body ?? null };
  });
  return app;
}

export async function listen(app: Koa): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
