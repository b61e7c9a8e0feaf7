import { defineConformanceSuite, sendHttp } from '../conformance/run.js';
import { buildApp, listen, WEBHOOK_PATH } from './app.js';

// A body already parsed means a body parser mounted before the webhook, the mistake Koa apps make.
for (const parser of ['@koa/bodyparser', 'koa-bodyparser'] as const) {
  defineConformanceSuite(`koa armaloWebhooks over a real server (parsed case: ${parser} first)`, {
    async mount(fixture, { bodyAlreadyParsed }) {
      const server = await listen(buildApp(fixture.receiver, bodyAlreadyParsed ? parser : 'nothing'));
      return { send: (request) => sendHttp(`${server.url}${WEBHOOK_PATH}`, request), close: server.close };
    },
  });
}
