import { ArmaloWebhooksModule } from '@armalo-webhooks/nestjs';
import { defineConformanceSuite, holdHttp, sendHttp } from '../conformance/run.js';
import { createApp, NEST_CONSUMES, PLATFORMS, WEBHOOK_PATH } from './app.js';

// A real Nest app per case, created with rawBody: true and listening on 127.0.0.1. The body is lost
// only by code that runs before the module's route (see NEST_CONSUMES): the per-request
// RAW_BODY_UNAVAILABLE answer.
for (const platform of PLATFORMS) {
  defineConformanceSuite(`nestjs ArmaloWebhooksModule on platform-${platform} (real listen)`, {
    ...NEST_CONSUMES[platform],
    async mount(fixture, { consumed }) {
      const module = ArmaloWebhooksModule.forRoot({ path: WEBHOOK_PATH, receiver: fixture.receiver });
      const { app, url } = await createApp(platform, module, { consumed, listen: true });
      const held: (() => void)[] = [];
      return {
        send: (request) => sendHttp(`${url}${WEBHOOK_PATH}`, request),
        hold: async (request) => {
          held.push(await holdHttp(app.getHttpServer(), `${url}${WEBHOOK_PATH}`, request));
        },
        async close() {
          // Nest's close() waits for open requests: a held body would keep it waiting.
          for (const release of held) release();
          await app.close();
        },
      };
    },
  });
}
