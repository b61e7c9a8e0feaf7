import type { IncomingMessage } from 'node:http';
import { armaloWebhooks } from '@armalo-webhooks/express';
import type { BodyConsumption } from '../conformance/cases.js';
import { defineConformanceSuite, holdHttp, sendHttp } from '../conformance/run.js';
import { closeServer, EXPRESS_VERSIONS, type ExpressModule, listen, viaSupertest } from './helpers.js';

const consumes = {
  parsed: 'express.json() mounted globally before the webhook, the mistake users actually make',
  drained: 'a middleware reads the request stream without setting req.body',
};
const rawBodyFix = /before express\.json\(\).*express\.json\(\{ verify \}\)/;

/** Mounts what loses the body before the webhook route, as a user's app would. */
function consumeFirst(app: ReturnType<ExpressModule>, express: ExpressModule, consumed: BodyConsumption | undefined) {
  if (consumed === 'parsed') app.use(express.json());
  if (consumed === 'drained') {
    app.use(async (req: IncomingMessage, _res: unknown, next: () => void) => {
      for await (const _chunk of req) {
        // discard
      }
      next();
    });
  }
}

for (const [version, express] of EXPRESS_VERSIONS) {
  // app.use on the path, as the README shows first.
  defineConformanceSuite(`${version} armaloWebhooks via app.use (supertest)`, {
    consumes,
    rawBodyFix,
    wholeBodiesOnly: 'supertest sends whole bodies',
    async mount(fixture, { consumed }) {
      const app = express();
      consumeFirst(app, express, consumed);
      app.use('/webhooks/armalo', armaloWebhooks(fixture.receiver));
      return { send: (request) => viaSupertest(app, '/webhooks/armalo', request), close: async () => {} };
    },
  });

  // app.all inside a Router mounted under a prefix, over a real listening server.
  defineConformanceSuite(`${version} armaloWebhooks in a Router under a prefix (real server)`, {
    consumes,
    rawBodyFix,
    async mount(fixture, { consumed }) {
      const app = express();
      consumeFirst(app, express, consumed);
      const router = express.Router();
      router.all('/armalo', armaloWebhooks(fixture.receiver));
      app.use('/webhooks', router);
      const { server, port } = await listen(app);
      const url = `http://127.0.0.1:${port}/webhooks/armalo`;
      return {
        send: (request) => sendHttp(url, request),
        hold: async (request) => {
          await holdHttp(server, url, request);
        },
        close: () => closeServer(server),
      };
    },
  });
}
