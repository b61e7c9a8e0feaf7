import { ArmaloWebhooksModule } from '@armalo-webhooks/nestjs';
import { defineConformanceSuite, sendHttp } from '../conformance/run.js';
import { createApp, PLATFORMS, WEBHOOK_PATH } from './app.js';

// A real Nest app per case, created with rawBody: true and listening on 127.0.0.1. A body already
// parsed means a global parser that drained the stream before Nest's (express.text on express, a
// preParsing hook on fastify): the per-request RAW_BODY_UNAVAILABLE answer.
for (const platform of PLATFORMS) {
  defineConformanceSuite(`nestjs ArmaloWebhooksModule on platform-${platform} (real listen)`, {
    async mount(fixture, { bodyAlreadyParsed }) {
      const module = ArmaloWebhooksModule.forRoot({ path: WEBHOOK_PATH, receiver: fixture.receiver });
      const { app, url } = await createApp(platform, module, { drainFirst: bodyAlreadyParsed, listen: true });
      return { send: (request) => sendHttp(`${url}${WEBHOOK_PATH}`, request), close: () => app.close() };
    },
  });
}
