import { defineConformanceSuite, holdHttp, sendHttp } from '../conformance/run.js';
import { buildApp, listen, WEBHOOK_PATH } from './app.js';

// Over a real server: repeated header lines, streamed and held bodies. A Koa app loses the body to a
// body parser mounted before the webhook (one suite per parser), or to a middleware that reads the
// request stream itself.
for (const parser of ['@koa/bodyparser', 'koa-bodyparser'] as const) {
  defineConformanceSuite(`koa armaloWebhooks over a real server (${parser})`, {
    consumes: {
      parsed: `${parser} mounted before the webhook`,
      drained: 'a middleware before the webhook reads ctx.req',
    },
    rawBodyFix: /Mount armaloWebhooks\(\) before bodyParser\(\).*ctx\.disableBodyParser = true/,
    async mount(fixture, { consumed }) {
      const before = consumed === 'parsed' ? parser : consumed === 'drained' ? 'stream reader' : 'nothing';
      const { url, server, close } = await listen(buildApp(fixture.receiver, before));
      return {
        send: (request) => sendHttp(`${url}${WEBHOOK_PATH}`, request),
        hold: async (request) => {
          await holdHttp(server, `${url}${WEBHOOK_PATH}`, request);
        },
        close,
      };
    },
  });
}
