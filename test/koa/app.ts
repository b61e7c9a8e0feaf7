import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooks } from '@armalo-webhooks/koa';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import legacyBodyParser from 'koa-bodyparser';

export const WEBHOOK_PATH = '/webhooks/armalo';

/**
 * What runs before the webhook: nothing (the README's order), either body parser (the mistake
 * that parses the body away), a middleware that reads the request stream itself without a parser
 * (a logger or a signature check of its own), or @koa/bodyparser told to skip the path with
 * ctx.disableBodyParser.
 */
export type Before = 'nothing' | '@koa/bodyparser' | 'koa-bodyparser' | 'stream reader' | 'disabled @koa/bodyparser';

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
  if (before === 'stream reader') {
    app.use(async (ctx, next) => {
      for await (const _chunk of ctx.req) {
        // discard
      }
      await next();
    });
  }
  const hooks = armaloWebhooks(receiver);
  app.use((ctx, next) => (ctx.path === WEBHOOK_PATH ? hooks(ctx, next) : next()));
  app.use((ctx) => {
    ctx.body = { route: 'app', parsed: ctx.request.body ?? null };
  });
  return app;
}

export async function listen(app: Koa): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
